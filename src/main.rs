//! The `keyward` command: `serve` (the default), `migrate`, `admin create`.

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use keyward::changes;
use keyward::config::Settings;
use keyward::db::{self, audit::Actor, operators::NewOperatorInput};
use keyward::domain::validation;

#[derive(Parser)]
#[command(
    name = "keyward",
    version,
    about = "Keyward: API accounts and API keys, managed and checked"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the console and the API (what `keyward` does with no subcommand).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Print the one-time code first-run setup asks for (until the first administrator
    /// exists).
    SetupCode,
    /// Import the keys another system issued, so their tokens keep working: a JSON array
    /// or a CSV file (by its `.csv` name) of owner, label, created_at, expires_at, scopes and
    /// the secret or its hash (hash_format: sha256, django_sha512, argon2, bcrypt; prefix).
    /// All or nothing; journalled.
    Import {
        file: std::path::PathBuf,
        /// Check everything and say what would be imported; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage administrators from a shell.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator (the first one also creates the organisation).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Organisation name, used when this is the first operator.
        #[arg(long, default_value = "My organisation")]
        organisation: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings),
        Command::Migrate => keyward::prepare_database(&cli.settings)
            .map(|_| println!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::SetupCode => setup_code(&cli.settings),
        Command::Import { file, dry_run } => import(&cli.settings, &file, dry_run),
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    name,
                    organisation,
                    ..
                },
        } => create_admin(&cli.settings, &email, &name, &organisation),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("keyward: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let app = keyward::build(settings).map_err(|e| e.to_string())?;
        tracing::info!("Keyward listening on http://{}", app.addr);
        // On SIGTERM/SIGINT actix finishes in-flight requests (up to 30 s), then we get here.
        let result = app.server.await.map_err(|e| e.to_string());
        app.state.flush_usage();
        result
    })
}

fn create_admin(
    settings: &Settings,
    email: &str,
    name: &str,
    organisation: &str,
) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| e.to_string())?;
    let password = password.trim_end_matches(['\n', '\r']);
    let t = |key: &str| keyward::i18n::Lang::En.t(key).to_owned();
    let email = validation::email(email).map_err(t)?;
    let name = validation::name(name).map_err(t)?;
    validation::new_password(password, password).map_err(t)?;
    let url = keyward::prepare_database(settings).map_err(|e| e.to_string())?;
    let hash = keyward::auth::password::hash(password).map_err(|e| e.to_string())?;
    let mut conn = db::connect(&url).map_err(|e| e.to_string())?;
    let now =
        keyward::clock::Clock::new(settings.fake_now.filter(|_| cfg!(debug_assertions))).now();
    let input = NewOperatorInput {
        email: &email,
        name: &name,
        password_hash: &hash,
        language: "en",
        admin: true,
    };
    // Journalled like the console's changes, as "command line".
    let cx = changes::Ctx::system(
        Actor::named_system("command line", None, None),
        now,
        settings.mail_policy(),
    );
    let created = match changes::operators::first_run_setup(&mut conn, &cx, organisation, &input)
        .map_err(|e| e.to_string())?
    {
        Some(op) => Some(op.id),
        None => {
            let account = db::operators::list_accounts(&mut conn).map_err(|e| e.to_string())?;
            let account = *account.first().ok_or("no organisation exists")?;
            let cx = changes::Ctx {
                actor: Actor::named_system("command line", None, Some(account)),
                ..cx
            };
            match changes::operators::create(&mut conn, &cx, account, &input, &[], None) {
                Ok(op) => Some(op.id),
                Err(changes::ChangeError::Refused(_)) => None,
                Err(e) => return Err(e.to_string()),
            }
        }
    };
    match created {
        Some(id) => {
            println!("administrator {email} created (operator {id})");
            Ok(())
        }
        None => Err(format!("an operator with email {email} already exists")),
    }
}

/// `keyward import`: the keys of a file, into the organisation, as "command line".
fn import(settings: &Settings, file: &std::path::Path, dry_run: bool) -> Result<(), String> {
    use keyward::changes::import::{self, Refusal};
    let body = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let url = keyward::prepare_database(settings).map_err(|e| e.to_string())?;
    let material = keyward::load_or_create_secret(settings).map_err(|e| e.to_string())?;
    let hasher = keyward::secret_hasher(settings, &material).map_err(|e| e.to_string())?;
    let mut conn = db::connect(&url).map_err(|e| e.to_string())?;
    let now =
        keyward::clock::Clock::new(settings.fake_now.filter(|_| cfg!(debug_assertions))).now();
    let account = *db::operators::list_accounts(&mut conn)
        .map_err(|e| e.to_string())?
        .first()
        .ok_or("no organisation exists yet: run first-run setup or `keyward admin create`")?;
    let cx = changes::Ctx::system(
        Actor::named_system("command line", None, Some(account)),
        now,
        settings.mail_policy(),
    );
    let refused = |r: Refusal| match r {
        Refusal::Line(0, key) => keyward::i18n::Lang::En.t(key).to_owned(),
        Refusal::Line(line, key) => format!("line {line}: {}", keyward::i18n::Lang::En.t(key)),
        Refusal::Change(e) => e.to_string(),
    };
    let entries = import::parse(&body, csv, &hasher, now).map_err(refused)?;
    let done = import::import(&mut conn, &cx, account, &entries, dry_run).map_err(refused)?;
    for key in &done {
        match dry_run {
            true => println!(
                "line {}: would import {:?} for {}",
                key.line, key.label, key.owner
            ),
            false => println!(
                "line {}: imported {:?} for {} as {}",
                key.line, key.label, key.owner, key.public_id
            ),
        }
    }
    match dry_run {
        true => println!(
            "dry run: {} keys would be imported, nothing was changed",
            done.len()
        ),
        false => println!("{} keys imported", done.len()),
    }
    Ok(())
}

/// The setup code of this installation, while it has no operator yet.
fn setup_code(settings: &Settings) -> Result<(), String> {
    let url = keyward::prepare_database(settings).map_err(|e| e.to_string())?;
    let mut conn = db::connect(&url).map_err(|e| e.to_string())?;
    if db::operators::any_exists(&mut conn).map_err(|e| e.to_string())? {
        return Err("setup is done: this installation has operators (`keyward admin create` adds administrators)".into());
    }
    let material = keyward::load_or_create_secret(settings).map_err(|e| e.to_string())?;
    println!("{}", keyward::setup_code(&material));
    Ok(())
}
