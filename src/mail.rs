//! Mail: messages are rendered (French or English, plain text and HTML, from
//! `templates/email/`) and queued in the `outbox` table in the transaction of the change
//! that causes them; a background worker sends them with retries. Transport: SMTP from
//! `KEYWARD_SMTP_URL`, or by default `.eml` files in `DATA_DIR/outbox/`.

use std::path::PathBuf;
use std::time::Duration;

use askama::Template;
use chrono::NaiveDateTime;
use lettre::message::{Mailbox, MultiPart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use crate::db::{self, DbConn, Pool, outbox::NewMail};
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextMail<'a> {
    greeting: &'a str,
    paragraphs: &'a [String],
    link: Option<&'a str>,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlMail<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    link: Option<&'a str>,
    link_text: &'a str,
    footer: &'a str,
}

/// One message to one person, in their language.
pub struct Letter<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub lang: Lang,
    /// Catalog key of the subject.
    pub subject: &'static str,
    /// Catalog keys of the paragraphs; `{label}`, `{id}`, `{name}`… are replaced from `vars`.
    pub paragraphs: &'a [&'static str],
    pub vars: &'a [(&'static str, &'a str)],
    pub link: Option<&'a str>,
}

fn fill(text: &str, vars: &[(&str, &str)]) -> String {
    vars.iter().fold(text.to_owned(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

/// Renders a letter and queues it in the current transaction.
pub fn queue(conn: &mut DbConn, letter: &Letter, now: NaiveDateTime) -> diesel::QueryResult<()> {
    let t = |key: &str| letter.lang.t(key);
    let subject = fill(t(letter.subject), letter.vars);
    let greeting = fill(t("mail.greeting"), &[("name", letter.name)]);
    let paragraphs: Vec<String> = letter
        .paragraphs
        .iter()
        .map(|k| fill(t(k), letter.vars))
        .collect();
    let footer = t("mail.footer");
    let text = TextMail {
        greeting: &greeting,
        paragraphs: &paragraphs,
        link: letter.link,
        footer,
    };
    let html = HtmlMail {
        lang: letter.lang.code(),
        subject: &subject,
        greeting: &greeting,
        paragraphs: &paragraphs,
        link: letter.link,
        link_text: t("mail.link"),
        footer,
    };
    let (body_text, body_html) = (
        text.render().unwrap_or_default(),
        html.render().unwrap_or_default(),
    );
    let rendered = NewMail {
        recipient: letter.to.to_owned(),
        subject,
        body_text,
        body_html,
    };
    db::outbox::enqueue(conn, &rendered, now)
}

enum Transport_ {
    Smtp(Box<SmtpTransport>),
    Files(PathBuf),
}

pub struct Mailer {
    transport: Transport_,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, outbox_dir: PathBuf, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("KEYWARD_MAIL_FROM: {e}"))?;
        let transport = match smtp_url {
            Some(url) => Transport_::Smtp(Box::new(
                SmtpTransport::from_url(url)
                    .map_err(|e| format!("KEYWARD_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(10)))
                    .build(),
            )),
            None => {
                std::fs::create_dir_all(&outbox_dir)
                    .map_err(|e| format!("{}: {e}", outbox_dir.display()))?;
                Transport_::Files(outbox_dir)
            }
        };
        Ok(Mailer { transport, from })
    }

    fn send(&self, mail: &db::outbox::Mail) -> Result<String, String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport_::Smtp(smtp) => smtp
                .send(&message)
                .map(|_| "smtp".to_owned())
                .map_err(|e| e.to_string()),
            Transport_::Files(dir) => {
                let id = FileTransport::new(dir)
                    .send(&message)
                    .map_err(|e| e.to_string())?;
                Ok(dir.join(format!("{id}.eml")).display().to_string())
            }
        }
    }
}

/// Sends what is due. Each row is leased first (its next attempt moved 5 minutes ahead) so
/// two Keyward processes never send the same mail twice.
pub fn send_due(
    mailer: &Mailer,
    pool: &Pool,
    now: NaiveDateTime,
) -> Result<usize, crate::error::AppError> {
    let due = db::with_conn(pool, |c| {
        Ok::<_, crate::error::AppError>(db::outbox::due(c, now, 20)?)
    })?;
    let mut sent = 0;
    for mail in due {
        let lease = now + chrono::Duration::minutes(5);
        let leased = db::with_conn(pool, |c| {
            Ok::<_, crate::error::AppError>(db::outbox::lease(
                c,
                mail.id,
                mail.next_attempt_at,
                lease,
            )?)
        })?;
        if !leased {
            continue;
        }
        match mailer.send(&mail) {
            Ok(where_) => {
                tracing::info!(mail = mail.id, to = %mail.recipient, subject = %mail.subject, %where_, "mail sent");
                db::with_conn(pool, |c| {
                    Ok::<_, crate::error::AppError>(db::outbox::mark_sent(c, mail.id, now)?)
                })?;
                sent += 1;
            }
            Err(error) => {
                // Back off: 5 s, 10 s, 20 s … up to an hour.
                let wait = 5i64
                    .saturating_mul(1i64 << mail.attempts.clamp(0, 10))
                    .min(3600);
                let retry = now + chrono::Duration::seconds(wait);
                tracing::warn!(mail = mail.id, to = %mail.recipient, attempts = mail.attempts + 1, %error, "mail not sent; will retry");
                db::with_conn(pool, |c| {
                    Ok::<_, crate::error::AppError>(db::outbox::mark_failed(
                        c, mail.id, &error, retry,
                    )?)
                })?;
            }
        }
    }
    Ok(sent)
}
