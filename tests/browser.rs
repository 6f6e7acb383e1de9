//! The documented flows, walked click by click in a real browser (Debian's Chromium through
//! chromedriver), in English and in French, with a screenshot at each step in
//! `target/screenshots/<lang>/<flow>/<nn>-<step>.png`, an accessibility check (axe-core),
//! no console error and no request to any other host. The user guide in `docs/guide/` is made
//! from the same steps: `KEYWARD_WRITE_GUIDE=1 cargo test --test browser` rewrites it, and
//! this suite fails when the committed guide no longer matches the flows it walks.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};
use keyward::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// One step of a documented flow: its file name, and what the guide says of it.
struct Step {
    slug: &'static str,
    en: &'static str,
    fr: &'static str,
}

struct Flow {
    slug: &'static str,
    title_en: &'static str,
    title_fr: &'static str,
    intro_en: &'static str,
    intro_fr: &'static str,
    steps: &'static [Step],
}

const fn step(slug: &'static str, en: &'static str, fr: &'static str) -> Step {
    Step { slug, en, fr }
}

const API_USERS: Flow = Flow {
    slug: "operator-api-users",
    title_en: "Operator API account management",
    title_fr: "Gestion des comptes API d'un opérateur",
    intro_en: "API accounts let programs call the API with HTTP Basic authentication. Passwords cannot be retrieved later: note them when you create the account.",
    intro_fr: "Les comptes API permettent aux programmes d'appeler l'API avec l'authentification de base HTTP. Les mots de passe ne peuvent pas être récupérés : notez-les lors de la création du compte.",
    steps: &[
        step(
            "account-setup",
            "Open the **Account setup** menu.",
            "Ouvrez le menu **Configuration de compte**.",
        ),
        step(
            "operators-groups",
            "Choose **Operators, groups (and sub accounts)**.",
            "Choisissez **Opérateurs, groupes et sous-comptes**.",
        ),
        step(
            "all-operators",
            "Click the **View all operators** button.",
            "Cliquez sur le bouton **Voir tous les opérateurs**.",
        ),
        step(
            "operator",
            "In the list of operators, click the one you want to add an API account to.",
            "Dans la liste des opérateurs, cliquez sur celui auquel vous souhaitez ajouter un compte API.",
        ),
        step(
            "api-management",
            "Switch to the **API management** tab.",
            "Ouvrez l'onglet **Gestion des API**.",
        ),
        step(
            "add-api-user",
            "Click the **Add API user** button and give the account a label.",
            "Cliquez sur le bouton **Ajouter un utilisateur d'API** et donnez un libellé au compte.",
        ),
        step(
            "note-password",
            "Click **Create the password**: the username and the password appear once. Use the eye to show the password and **Copy** to copy it, and note it down.",
            "Cliquez sur **Créer le mot de passe** : le nom d'utilisateur et le mot de passe s'affichent une seule fois. L'œil affiche le mot de passe, **Copier** le copie ; notez-le.",
        ),
        step(
            "staged",
            "Close the window: the API account is listed as new, not saved yet.",
            "Fermez la fenêtre : le compte API apparaît comme nouveau, pas encore enregistré.",
        ),
        step(
            "saved",
            "Click the **Save** button at the bottom to save the changes. The account works from now on.",
            "Cliquez sur le bouton **Enregistrer** au bas de la page pour enregistrer les changements. Le compte fonctionne dès lors.",
        ),
        step(
            "delete-api-user",
            "To delete an API account, click **Delete API user** in its row.",
            "Pour supprimer un compte API, cliquez sur **Supprimer l'utilisateur de l'API** sur sa ligne.",
        ),
        step(
            "deleted",
            "Click **Save** at the bottom: the account is refused from then on.",
            "Cliquez sur **Enregistrer** en bas de l'écran : le compte est refusé dès lors.",
        ),
    ],
};

const API_CREDENTIALS: Flow = Flow {
    slug: "my-api-credentials",
    title_en: "Your API credentials",
    title_fr: "Vos identifiants d'API",
    intro_en: "Every operator can generate API keys with their own privileges, as many as needed: one key per application is recommended.",
    intro_fr: "Chaque opérateur peut générer des clés d'API avec ses propres privilèges, autant que nécessaire : une clé par application est recommandée.",
    steps: &[
        step(
            "user-menu",
            "Open your menu at the top right.",
            "Ouvrez votre menu en haut à droite.",
        ),
        step(
            "api-credentials",
            "Choose **My profile › API credentials**. The page shows the API endpoint URL and a link to the API documentation.",
            "Choisissez **Mon profil › Identifiants d'API**. La page affiche l'URL du point d'accès de l'API et un lien vers la documentation.",
        ),
        step(
            "copy-endpoint",
            "Click **Copy** beside the endpoint to copy its URL.",
            "Cliquez sur **Copier** à côté du point d'accès pour copier son URL.",
        ),
        step(
            "generate",
            "Click **Generate API key** and name the key.",
            "Cliquez sur **Générer une clé d'API** et nommez la clé.",
        ),
        step(
            "masked",
            "Click **Generate**: the new key is shown masked, once.",
            "Cliquez sur **Générer** : la nouvelle clé s'affiche masquée, une seule fois.",
        ),
        step(
            "revealed",
            "Click the eye to reveal the key, then **Copy** to copy it.",
            "Cliquez sur l'œil pour afficher la clé, puis sur **Copier** pour la copier.",
        ),
        step(
            "dismissed",
            "Click **Done**: the key can never be shown again. The list shows each key's name, the IP of its last client and when it was last used.",
            "Cliquez sur **Terminé** : la clé ne pourra plus jamais être affichée. La liste indique le nom de chaque clé, l'IP de son dernier client et sa date de dernière utilisation.",
        ),
        step(
            "rename",
            "The pencil renames a key.",
            "Le crayon renomme une clé.",
        ),
        step(
            "revoke",
            "The red circle revokes a key, after a confirmation.",
            "Le cercle rouge révoque une clé, après confirmation.",
        ),
        step(
            "revoked",
            "Click **Revoke**: the key is refused at once.",
            "Cliquez sur **Révoquer** : la clé est refusée immédiatement.",
        ),
    ],
};

const MACHINE_KEYS: Flow = Flow {
    slug: "machine-api-keys",
    title_en: "API keys of a machine",
    title_fr: "Clés API d'une machine",
    intro_en: "Machines are non-human identities that own API keys. Creating keys needs the permission Rights management / Machines / Write.",
    intro_fr: "Les machines sont des identités non humaines qui possèdent des clés API. Créer des clés nécessite l'autorisation Gestion des droits / Machines / Écriture.",
    steps: &[
        step(
            "rights-menu",
            "Open the **Rights management** menu.",
            "Ouvrez le menu **Gestion des droits**.",
        ),
        step(
            "machines",
            "Choose **Machines**.",
            "Choisissez **Machines**.",
        ),
        step(
            "create-machine",
            "Click **Create machine**, name it and click **Create**.",
            "Cliquez sur **Créer une machine**, nommez-la et cliquez sur **Créer**.",
        ),
        step(
            "api-keys-card",
            "The machine's page has an **API keys** card; a new machine has none.",
            "La page de la machine comporte une carte **Clés API** ; une nouvelle machine n'en a aucune.",
        ),
        step(
            "create-api-key",
            "Click **Create API key** (plus icon) and enter a **Label**.",
            "Cliquez sur **Créer une clé API** (icône plus) et saisissez un **Libellé**.",
        ),
        step(
            "value-once",
            "Click **Create**: the value is shown once. Click **Copy**: it cannot be shown again.",
            "Cliquez sur **Créer** : la valeur s'affiche une seule fois. Cliquez sur **Copier** : elle ne pourra plus être affichée.",
        ),
        step(
            "listed",
            "The card lists the key's label and status, never its value.",
            "La carte indique le libellé et le statut de la clé, jamais sa valeur.",
        ),
        step(
            "edit",
            "The pencil opens a window with the **Label** and an **Active** switch.",
            "Le crayon ouvre une fenêtre avec le **Libellé** et un interrupteur **Active**.",
        ),
        step(
            "deactivated",
            "Turn **Active** off and click **Save**: calls with the key are rejected at once.",
            "Désactivez **Active** et cliquez sur **Enregistrer** : les appels avec la clé sont rejetés immédiatement.",
        ),
        step(
            "reactivated",
            "Turn it on again: the same value works again.",
            "Réactivez-la : la même valeur fonctionne de nouveau.",
        ),
    ],
};

const FLOWS: [&Flow; 3] = [&API_USERS, &API_CREDENTIALS, &MACHINE_KEYS];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Chromium, ChromeDriver and axe-core are here (else the test says it did not run).
fn browser_available() -> bool {
    common::prerequisite(
        "Chromium",
        Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists(),
        "apt-get install -y chromium chromium-driver fonts-dejavu-core",
    ) && common::prerequisite(
        "axe-core",
        root()
            .join("target/axe/node_modules/axe-core/axe.min.js")
            .exists(),
        "(mkdir -p target/axe && cd target/axe && npm install axe-core@4)",
    )
}

fn axe_source() -> String {
    let path = root().join("target/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("axe-core is missing: (cd target/axe && npm install axe-core@4) — .ci/run does this")
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

struct Browser {
    driver: WebDriver,
    chromedriver: Child,
    base: String,
    lang: Lang,
    flow: &'static Flow,
    walked: Vec<&'static str>,
    shots: PathBuf,
    /// Generated values (ids, secrets) hidden in screenshots, so pictures are stable.
    masks: Vec<String>,
    axe: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(app: &TestApp, lang: Lang, flow: &'static Flow) -> Browser {
        for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: apt-get install -y chromium chromium-driver (.ci/run does this)"
            );
        }
        let port = free_port();
        let chromedriver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary("/usr/bin/chromium").expect("binary");
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,800",
            "--force-device-scale-factor=1",
            "--hide-scrollbars",
            "--font-render-hinting=none",
        ] {
            caps.add_arg(arg).expect("arg");
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .expect("arg");
        caps.as_mut()
            .set("goog:loggingPrefs", json!({"browser": "ALL"}))
            .expect("logging");
        let url = format!("http://127.0.0.1:{port}");
        let mut driver = None;
        for _ in 0..50 {
            match WebDriver::new(&url, caps.clone()).await {
                Ok(d) => {
                    driver = Some(d);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let driver = driver.expect("chromedriver answers");
        driver
            .cdp()
            .send_raw(
                "Browser.grantPermissions",
                json!({"origin": app.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
            )
            .await
            .expect("clipboard permission");
        let shots = root()
            .join("target/screenshots")
            .join(lang.code())
            .join(flow.slug);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        Browser {
            driver,
            chromedriver,
            base: app.base.clone(),
            lang,
            flow,
            walked: Vec::new(),
            shots,
            masks: Vec::new(),
            axe: axe_source(),
            _profile: profile,
        }
    }

    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    async fn go(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    fn literal(text: &str) -> String {
        if text.contains('\'') {
            format!("\"{text}\"")
        } else {
            format!("'{text}'")
        }
    }

    /// A control by its accessible name: visible text, `aria-label`, or its label.
    async fn named(&self, tag: &str, name: &str) -> WebElement {
        let n = Self::literal(name);
        let xpath = format!("//{tag}[normalize-space(.)={n} or @aria-label={n} or @title={n}]");
        for _ in 0..50 {
            if let Ok(found) = self.driver.find_all(By::XPath(xpath.clone())).await {
                for el in found {
                    if el.is_displayed().await.unwrap_or(false) {
                        return el;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no visible <{tag}> named {name:?} on {}",
            self.driver
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default()
        );
    }

    async fn click(&self, tag: &str, name: &str) {
        self.named(tag, name)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {name}: {e}"));
    }

    /// The input labelled `label` (wrapping `<label>` or `for=`).
    async fn field(&self, label: &str) -> WebElement {
        let l = Self::literal(label);
        let xpath = format!(
            "//label[normalize-space(text())={l}]//input | //input[@id=//label[normalize-space(.)={l}]/@for]"
        );
        for _ in 0..50 {
            if let Ok(found) = self.driver.find(By::XPath(xpath.clone())).await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no field labelled {label:?}")
    }

    /// Waits until `text` is nowhere in the page's markup (a closed reveal is removed).
    async fn assert_gone(&self, text: &str, what: &str) {
        for _ in 0..50 {
            if !self.source().await.contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}");
    }

    async fn type_into(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.driver
            .execute(script, args)
            .await
            .expect("script")
            .json()
            .clone()
    }

    async fn source(&self) -> String {
        self.driver.source().await.expect("source")
    }

    /// Waits (briefly) until `text` is visible: pages load after clicks.
    async fn assert_text(&self, text: &str) {
        for _ in 0..50 {
            let body = self
                .js(
                    "return document.body ? document.body.innerText : ''",
                    vec![],
                )
                .await;
            if body.as_str().unwrap_or("").contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{text:?} not visible on the page");
    }

    /// Keyboard focus is inside the open modal dialog.
    async fn assert_focus_in_dialog(&self) {
        let inside = self.js("const d = document.querySelector('dialog[open]'); return !!d && d.matches(':modal') && d.contains(document.activeElement)", vec![]).await;
        assert_eq!(inside, json!(true), "focus is not inside the open modal");
    }

    async fn assert_no_dialog(&self) {
        let open = self
            .js(
                "return document.querySelectorAll('dialog[open]').length",
                vec![],
            )
            .await;
        assert_eq!(open, json!(0), "a dialog is still open");
    }

    async fn focused_name(&self) -> String {
        self.js("const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.textContent.trim()) : ''", vec![]).await.as_str().unwrap_or("").to_owned()
    }

    async fn escape(&self) {
        self.driver
            .action_chain()
            .send_keys(Key::Escape)
            .perform()
            .await
            .expect("escape");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    async fn clipboard(&self) -> String {
        self.js("return navigator.clipboard.readText()", vec![])
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The value a copy button put on the clipboard, after the page said "Copied".
    async fn copied(&self) -> String {
        for _ in 0..40 {
            let text = self.clipboard().await;
            if !text.is_empty() {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nothing on the clipboard");
    }

    fn mask(&mut self, value: &str) {
        self.masks.push(value.to_owned());
    }

    /// Checks the page (accessibility, console, hosts) and photographs it as the flow's next
    /// step.
    async fn step(&mut self, slug: &'static str) {
        let expected = self.flow.steps.get(self.walked.len()).map(|s| s.slug);
        assert_eq!(Some(slug), expected, "the flow's steps are walked in order");
        self.walked.push(slug);

        // Accessibility: no serious or critical violation.
        let loaded = self.js("return typeof axe !== 'undefined'", vec![]).await;
        if loaded != json!(true) {
            self.js(&self.axe.clone(), vec![]).await;
        }
        let violations = self
            .js(
                "return axe.run(document, {resultTypes: ['violations']}).then(r => r.violations \
                 .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                 .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
                vec![],
            )
            .await;
        assert_eq!(violations, json!([]), "accessibility violations at {slug}");

        // Nothing from any other host.
        let foreign = self
            .js("const o = location.origin; return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(o))", vec![])
            .await;
        assert_eq!(foreign, json!([]), "requests to other hosts at {slug}");

        // No console error.
        let errors: Vec<String> = self
            .driver
            .browser_log()
            .await
            .expect("browser log")
            .into_iter()
            .filter(|e| e.level == "SEVERE")
            .map(|e| e.message)
            .collect();
        assert!(errors.is_empty(), "console errors at {slug}: {errors:?}");

        // A settled page: loaded, fonts ready, two frames painted.
        self.js(
            "return new Promise(r => { const go = () => document.fonts.ready.then(() => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))); \
             if (document.readyState === 'complete') go(); else window.addEventListener('load', go); })",
            vec![],
        )
        .await;
        // A stable picture: generated values masked, no blinking caret.
        self.js(
            "window.__kwMasked = []; const masks = arguments[0]; \
             const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); \
             while (w.nextNode()) { const n = w.currentNode; let v = n.nodeValue; \
               for (const m of masks) v = v.split(m).join('X'.repeat(m.length)); \
               if (v !== n.nodeValue) { window.__kwMasked.push([n, 'text', n.nodeValue]); n.nodeValue = v; } } \
             for (const i of document.querySelectorAll('input')) { let v = i.value; \
               for (const m of masks) v = v.split(m).join('X'.repeat(m.length)); \
               if (v !== i.value) { window.__kwMasked.push([i, 'value', i.value]); i.value = v; } } \
             for (const e of document.querySelectorAll('*')) e.style.caretColor = 'transparent';",
            vec![json!(self.masks)],
        )
        .await;
        let png = self.driver.screenshot_as_png().await.expect("screenshot");
        self.js(
            "for (const [n, kind, v] of (window.__kwMasked || [])) { if (kind === 'text') n.nodeValue = v; else n.value = v; } window.__kwMasked = [];",
            vec![],
        )
        .await;
        let file = self
            .shots
            .join(format!("{:02}-{slug}.png", self.walked.len()));
        std::fs::write(&file, png).expect("write screenshot");
    }

    async fn finish(mut self) -> Vec<PathBuf> {
        let walked: Vec<&str> = self.flow.steps.iter().map(|s| s.slug).collect();
        assert_eq!(self.walked, walked, "every step of the flow was walked");
        let _ = self.driver.clone().quit().await;
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.shots)
            .expect("shots")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        files
    }

    async fn sign_in(&self, email: &str, password: &str) {
        self.go("/login").await;
        if self.lang == Lang::Fr {
            self.click("button", "FR").await;
        }
        self.type_into(self.t("common.email"), email).await;
        self.type_into(self.t("common.password"), password).await;
        self.click("button", self.t("login.submit")).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The app as the flows expect it: a fixed clock and an administrator.
async fn app() -> (TestApp, common::Visitor) {
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-11-25T09:30:00".parse().expect("time"));
        // Keep *last used* out of the pictures' timing: no flush during a flow.
        s.last_used_flush_ms = 3_600_000;
    })
    .await;
    let admin = app.admin().await;
    (app, admin)
}

async fn walk_api_users(lang: Lang) -> Vec<PathBuf> {
    let (app, admin) = app().await;
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let mut b = Browser::start(&app, lang, &API_USERS).await;
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    b.click("summary", b.t("nav.account_setup")).await;
    b.step("account-setup").await;
    b.click("a", b.t("nav.operators_groups")).await;
    b.step("operators-groups").await;
    b.click("a", b.t("account.view_all_operators")).await;
    b.step("all-operators").await;
    b.click("a", "Bob Builder").await;
    b.step("operator").await;
    b.click("a", b.t("operator.tab_api")).await;
    b.step("api-management").await;

    // The wizard is a modal: focus inside, Escape closes it and gives focus back.
    b.click("a", b.t("api.add")).await;
    b.assert_focus_in_dialog().await;
    b.escape().await;
    b.assert_no_dialog().await;
    assert_eq!(
        b.focused_name().await,
        b.t("api.add"),
        "focus returns to the button"
    );
    b.click("a", b.t("api.add")).await;
    b.type_into(b.t("api.label"), "Uptrends monitoring").await;
    b.step("add-api-user").await;

    b.click("button", b.t("api.wizard_next")).await;
    b.assert_focus_in_dialog().await;
    let username = b
        .field(b.t("api.username"))
        .await
        .prop("value")
        .await
        .expect("prop")
        .expect("value");
    let secret_field = b.field(b.t("common.password")).await;
    assert_eq!(
        secret_field.attr("type").await.expect("attr").as_deref(),
        Some("password"),
        "masked"
    );
    let password = secret_field
        .prop("value")
        .await
        .expect("prop")
        .expect("value");
    b.mask(&username);
    b.mask(&password);
    b.click(
        "button",
        &format!("{} {}", b.t("secret.show"), b.t("common.password")),
    )
    .await;
    assert_eq!(
        secret_field.attr("type").await.expect("attr").as_deref(),
        Some("text"),
        "the eye reveals"
    );
    b.click(
        "button",
        &format!("{} {}", b.t("secret.copy"), b.t("common.password")),
    )
    .await;
    assert_eq!(
        b.copied().await,
        password,
        "Copy puts the password on the clipboard"
    );
    b.step("note-password").await;
    assert_eq!(
        app.whoami(&username, &password).await.0,
        StatusCode::UNAUTHORIZED,
        "not before Save"
    );

    b.click("button", b.t("api.reveal_done")).await;
    b.assert_no_dialog().await;
    b.assert_gone(&password, "the password left the page").await;
    b.assert_text(b.t("api.badge_new")).await;
    b.step("staged").await;

    b.click("button", b.t("common.save")).await;
    b.assert_text(b.t("api.saved")).await;
    b.step("saved").await;
    assert_eq!(
        app.whoami(&username, &password).await.0,
        StatusCode::OK,
        "after Save"
    );

    b.click(
        "button",
        &format!(
            "{}{}Uptrends monitoring",
            b.t("api.delete"),
            b.t("common.colon")
        ),
    )
    .await;
    b.assert_text(b.t("api.badge_deleting")).await;
    b.step("delete-api-user").await;
    b.click("button", b.t("common.save")).await;
    b.assert_text(b.t("api.empty")).await;
    b.step("deleted").await;
    assert_eq!(
        app.whoami(&username, &password).await.0,
        StatusCode::UNAUTHORIZED,
        "deleted"
    );
    b.finish().await
}

async fn walk_api_credentials(lang: Lang) -> Vec<PathBuf> {
    let (app, admin) = app().await;
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let mut b = Browser::start(&app, lang, &API_CREDENTIALS).await;
    b.sign_in("bob@example.org", "operator-pass-1").await;

    b.click("summary", "Bob Builder").await;
    b.step("user-menu").await;
    b.click(
        "a",
        &format!("{} › {}", b.t("nav.my_profile"), b.t("keys.profile_title")),
    )
    .await;
    b.assert_text(b.t("keys.one_per_application")).await;
    // The documentation opens beside the console, and says so in its name.
    let docs = b
        .named(
            "a",
            &format!("{} {}", b.t("keys.api_docs_link"), b.t("common.new_tab")),
        )
        .await;
    assert_eq!(
        docs.attr("target").await.expect("attr").as_deref(),
        Some("_blank")
    );
    b.step("api-credentials").await;
    b.click(
        "button",
        &format!("{} {}", b.t("secret.copy"), b.t("docs.base_url")),
    )
    .await;
    assert_eq!(b.copied().await, "http://127.0.0.1:8080/api/v1");
    b.step("copy-endpoint").await;

    b.click("a", b.t("keys.generate")).await;
    b.assert_focus_in_dialog().await;
    b.type_into(b.t("keys.name"), "Terraform").await;
    b.step("generate").await;
    b.click("button", b.t("keys.generate_submit")).await;
    let token_field = b.field(b.t("api.token")).await;
    assert_eq!(
        token_field.attr("type").await.expect("attr").as_deref(),
        Some("password"),
        "masked"
    );
    let token = token_field
        .prop("value")
        .await
        .expect("prop")
        .expect("value");
    let id = token.split('_').nth(1).expect("id").to_owned();
    b.mask(&token);
    b.mask(&id);
    b.mask(token.rsplit('_').next().expect("secret"));
    b.step("masked").await;
    b.click(
        "button",
        &format!("{} {}", b.t("secret.show"), b.t("api.token")),
    )
    .await;
    assert_eq!(
        token_field.attr("type").await.expect("attr").as_deref(),
        Some("text")
    );
    b.click(
        "button",
        &format!("{} {}", b.t("secret.copy"), b.t("api.token")),
    )
    .await;
    assert_eq!(b.copied().await, token);
    b.step("revealed").await;
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::OK);

    b.click("button", b.t("keys.reveal_done")).await;
    b.assert_no_dialog().await;
    b.assert_gone(
        token.rsplit('_').next().expect("secret"),
        "the key left the page",
    )
    .await;
    b.go("/profile/api-credentials").await;
    assert!(
        !b.source()
            .await
            .contains(token.rsplit('_').next().expect("secret")),
        "and does not come back"
    );
    b.step("dismissed").await;

    b.click(
        "a",
        &format!("{}{}Terraform", b.t("keys.rename"), b.t("common.colon")),
    )
    .await;
    b.assert_focus_in_dialog().await;
    b.type_into(b.t("keys.name"), "Terraform (production)")
        .await;
    b.step("rename").await;
    b.click("button", b.t("common.save")).await;
    b.assert_text("Terraform (production)").await;
    assert_eq!(
        app.whoami_bearer(&token).await.0,
        StatusCode::OK,
        "renaming keeps the key working"
    );

    b.click(
        "a",
        &format!(
            "{}{}Terraform (production)",
            b.t("keys.revoke"),
            b.t("common.colon")
        ),
    )
    .await;
    b.assert_focus_in_dialog().await;
    b.step("revoke").await;
    b.click("button", b.t("keys.revoke")).await;
    b.assert_text(b.t("keys.profile_empty")).await;
    b.step("revoked").await;
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    b.finish().await
}

async fn walk_machine_keys(lang: Lang) -> Vec<PathBuf> {
    let (app, _admin) = app().await;
    let mut b = Browser::start(&app, lang, &MACHINE_KEYS).await;
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    b.click("summary", b.t("nav.rights")).await;
    b.step("rights-menu").await;
    b.click("a", b.t("nav.machines")).await;
    b.assert_text(b.t("machines.empty")).await;
    b.step("machines").await;
    b.click("a", b.t("machines.new")).await;
    b.assert_focus_in_dialog().await;
    b.type_into(b.t("common.name"), "Backup robot").await;
    b.type_into(
        b.t("machines.description"),
        "Nightly backups of the billing database",
    )
    .await;
    b.step("create-machine").await;
    b.click("button", b.t("common.create")).await;
    b.assert_text(b.t("machines.no_keys")).await;
    b.step("api-keys-card").await;

    b.click("a", b.t("machines.create_key")).await;
    b.assert_focus_in_dialog().await;
    b.type_into(b.t("api.label"), "Backup job").await;
    b.step("create-api-key").await;
    b.click("button", b.t("common.create")).await;
    let token = b
        .field(b.t("api.token"))
        .await
        .prop("value")
        .await
        .expect("prop")
        .expect("value");
    let id = token.split('_').nth(1).expect("id").to_owned();
    let secret = token.rsplit('_').next().expect("secret").to_owned();
    b.mask(&token);
    b.mask(&id);
    b.mask(&secret);
    b.click(
        "button",
        &format!("{} {}", b.t("secret.copy"), b.t("api.token")),
    )
    .await;
    assert_eq!(b.copied().await, token);
    b.step("value-once").await;
    b.click("button", b.t("keys.reveal_done")).await;
    b.assert_gone(&secret, "the value left the page").await;
    b.assert_text(b.t("common.active")).await;
    b.step("listed").await;
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::OK);

    b.click(
        "a",
        &format!(
            "{}{}Backup job",
            b.t("machines.edit_key"),
            b.t("common.colon")
        ),
    )
    .await;
    b.assert_focus_in_dialog().await;
    let switch = b
        .driver
        .find(By::Css("dialog[open] input[role='switch']"))
        .await
        .expect("switch");
    assert_eq!(
        switch.prop("checked").await.expect("prop").as_deref(),
        Some("true")
    );
    b.step("edit").await;
    switch.click().await.expect("switch off");
    b.click("button", b.t("common.save")).await;
    b.assert_text(b.t("common.inactive")).await;
    b.step("deactivated").await;
    assert_eq!(
        app.whoami_bearer(&token).await.0,
        StatusCode::UNAUTHORIZED,
        "deactivated: refused at once"
    );

    b.click(
        "a",
        &format!(
            "{}{}Backup job",
            b.t("machines.edit_key"),
            b.t("common.colon")
        ),
    )
    .await;
    b.driver
        .find(By::Css("dialog[open] input[role='switch']"))
        .await
        .expect("switch")
        .click()
        .await
        .expect("switch on");
    b.click("button", b.t("common.save")).await;
    b.assert_text(b.t("common.active")).await;
    b.step("reactivated").await;
    assert_eq!(
        app.whoami_bearer(&token).await.0,
        StatusCode::OK,
        "the same value works again"
    );
    b.finish().await
}

/// The guide page of a flow, in one language.
fn guide(flow: &Flow, lang: Lang) -> String {
    let (title, intro) = match lang {
        Lang::En => (flow.title_en, flow.intro_en),
        Lang::Fr => (flow.title_fr, flow.intro_fr),
    };
    let mut out = format!("# {title}\n\n{intro}\n\n");
    for (i, s) in flow.steps.iter().enumerate() {
        let text = match lang {
            Lang::En => s.en,
            Lang::Fr => s.fr,
        };
        out.push_str(&format!(
            "{}. {text}\n\n   ![{text}](../img/{}/{}/{:02}-{}.png)\n\n",
            i + 1,
            lang.code(),
            flow.slug,
            i + 1,
            s.slug
        ));
    }
    out
}

/// Writes the guide (`KEYWARD_WRITE_GUIDE=1`) or checks that the committed one is current.
fn guide_matches(flow: &Flow, lang: Lang, shots: &[PathBuf]) {
    let page = root()
        .join("docs/guide")
        .join(lang.code())
        .join(format!("{}.md", flow.slug));
    let expected = guide(flow, lang);
    if std::env::var("KEYWARD_WRITE_GUIDE").is_ok() {
        std::fs::create_dir_all(page.parent().expect("folder")).expect("mkdir");
        std::fs::write(&page, &expected).expect("write guide");
        let img = root()
            .join("docs/guide/img")
            .join(lang.code())
            .join(flow.slug);
        let _ = std::fs::remove_dir_all(&img);
        std::fs::create_dir_all(&img).expect("mkdir");
        for shot in shots {
            std::fs::copy(shot, img.join(shot.file_name().expect("name")))
                .expect("copy screenshot");
        }
        return;
    }
    let committed = std::fs::read_to_string(&page).unwrap_or_default();
    assert_eq!(
        committed,
        expected,
        "{} is stale: run KEYWARD_WRITE_GUIDE=1 cargo test --test browser",
        page.display()
    );
    for s in flow
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{:02}-{}.png", i + 1, s.slug))
    {
        let img = root()
            .join("docs/guide/img")
            .join(lang.code())
            .join(flow.slug)
            .join(&s);
        assert!(
            img.exists(),
            "{} is missing: run KEYWARD_WRITE_GUIDE=1 cargo test --test browser",
            img.display()
        );
    }
}

#[tokio::test]
async fn seeds_000_002_operator_api_users_en() {
    if !browser_available() {
        return;
    }
    let shots = walk_api_users(Lang::En).await;
    guide_matches(&API_USERS, Lang::En, &shots);
}

#[tokio::test]
async fn seeds_000_002_operator_api_users_fr() {
    if !browser_available() {
        return;
    }
    let shots = walk_api_users(Lang::Fr).await;
    guide_matches(&API_USERS, Lang::Fr, &shots);
}

#[tokio::test]
async fn seeds_001_003_my_api_credentials_en() {
    if !browser_available() {
        return;
    }
    let shots = walk_api_credentials(Lang::En).await;
    guide_matches(&API_CREDENTIALS, Lang::En, &shots);
}

#[tokio::test]
async fn seeds_001_003_my_api_credentials_fr() {
    if !browser_available() {
        return;
    }
    let shots = walk_api_credentials(Lang::Fr).await;
    guide_matches(&API_CREDENTIALS, Lang::Fr, &shots);
}

#[tokio::test]
async fn seed_004_machine_api_keys_en() {
    if !browser_available() {
        return;
    }
    let shots = walk_machine_keys(Lang::En).await;
    guide_matches(&MACHINE_KEYS, Lang::En, &shots);
}

#[tokio::test]
async fn seed_004_machine_api_keys_fr() {
    if !browser_available() {
        return;
    }
    let shots = walk_machine_keys(Lang::Fr).await;
    guide_matches(&MACHINE_KEYS, Lang::Fr, &shots);
}

#[tokio::test]
async fn the_same_build_photographs_the_same_pixels() {
    if !browser_available() {
        return;
    }
    async fn pictures() -> Vec<Vec<u8>> {
        walk_machine_keys(Lang::En)
            .await
            .iter()
            .map(|p| std::fs::read(p).expect("read"))
            .collect()
    }
    let first = pictures().await;
    assert_eq!(first.len(), MACHINE_KEYS.steps.len());
    let second = pictures().await;
    if first == second {
        return;
    }
    // A one-off hiccup of the machine (a frame painted late under load) is not a property of
    // the build: a third run must then match one of the first two exactly, byte for byte.
    let third = pictures().await;
    for (i, ((a, b), c)) in first.iter().zip(&second).zip(&third).enumerate() {
        if a != b {
            let dir = root().join("target/screenshots/en").join(MACHINE_KEYS.slug);
            let _ = std::fs::write(
                dir.join(format!(
                    "{:02}-{}.first.png",
                    i + 1,
                    MACHINE_KEYS.steps[i].slug
                )),
                a,
            );
        }
        assert!(
            a == b || c == a || c == b,
            "step {} differs between runs",
            MACHINE_KEYS.steps[i].slug
        );
    }
    assert!(
        third == first || third == second,
        "three runs, three different sets of pictures"
    );
}

#[test]
fn every_flow_has_a_guide_page_in_both_languages() {
    for flow in FLOWS {
        for lang in [Lang::En, Lang::Fr] {
            let page = root()
                .join("docs/guide")
                .join(lang.code())
                .join(format!("{}.md", flow.slug));
            assert!(
                page.exists() || std::env::var("KEYWARD_WRITE_GUIDE").is_ok(),
                "{} is missing",
                page.display()
            );
        }
    }
}

/// For the checks below, which photograph nothing for the guide.
const CHECKS: Flow = Flow {
    slug: "checks",
    title_en: "",
    title_fr: "",
    intro_en: "",
    intro_fr: "",
    steps: &[],
};

#[tokio::test]
async fn a_new_secret_is_readable_without_javascript() {
    if !browser_available() {
        return;
    }
    let (app, _admin) = app().await;
    let b = Browser::start(&app, Lang::En, &CHECKS).await;
    b.driver
        .cdp()
        .send_raw(
            "Emulation.setScriptExecutionDisabled",
            json!({"value": true}),
        )
        .await
        .expect("scripts off");
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.go("/profile/api-credentials").await;
    b.click("a", b.t("keys.generate")).await;
    b.type_into(b.t("keys.name"), "Without script").await;
    b.click("button", b.t("keys.generate_submit")).await;
    // The eye and Copy need script and are not shown; a plain "Show" is.
    let show = format!("{} {}", b.t("secret.show"), b.t("keys.secret"));
    b.named("summary", &show).await.click().await.expect("show");
    let plain = b
        .driver
        .find(By::Id("reveal-secret-plain"))
        .await
        .expect("the secret in plain text");
    assert!(plain.is_displayed().await.expect("displayed"));
    let secret = plain.value().await.expect("value").expect("a value");
    let username = b
        .driver
        .find(By::Id("reveal-username"))
        .await
        .expect("username")
        .value()
        .await
        .expect("value")
        .expect("a value");
    assert_eq!(secret.len(), 32);
    assert!(
        !b.driver
            .find(By::Css("button[data-reveal]"))
            .await
            .expect("eye")
            .is_displayed()
            .await
            .expect("displayed"),
        "the eye does nothing without script: it is not shown"
    );
    assert_eq!(app.whoami(&username, &secret).await.0, StatusCode::OK);
    // A picture to look at (not part of the guide).
    let png = b.driver.screenshot_as_png().await.expect("screenshot");
    std::fs::write(b.shots.join("no-script-reveal.png"), png).expect("write");
    b.finish().await;
}

#[tokio::test]
async fn dialogs_by_keyboard_give_focus_back_and_a_secret_asks_before_it_goes() {
    if !browser_available() {
        return;
    }
    let (app, _admin) = app().await;
    let b = Browser::start(&app, Lang::En, &CHECKS).await;
    b.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    b.go("/profile/api-credentials").await;
    b.click("a", b.t("keys.generate")).await;
    b.type_into(b.t("keys.name"), "invoice\u{202E}gnp.exe")
        .await;
    b.click("button", b.t("keys.generate_submit")).await;
    // Escape on the one-time secret asks first; "no" keeps it.
    b.assert_focus_in_dialog().await;
    b.escape().await;
    let asked = b.driver.get_alert_text().await.expect("a question");
    assert_eq!(asked, b.t("secret.confirm_close"));
    b.driver.dismiss_alert().await.expect("no");
    assert!(b.source().await.contains("reveal-secret"), "still shown");
    b.escape().await;
    b.driver.accept_alert().await.expect("yes");
    b.assert_gone("reveal-secret", "the secret is gone").await;
    // A label with a direction override is isolated, flagged, and the rename and revoke
    // dialogs give focus back to the control that opened them.
    let source = b.source().await;
    assert!(source.contains("<bdi class=\"label\">invoice\u{202E}gnp.exe</bdi>"));
    assert!(source.contains(b.t("keys.bidi_warning")));
    for (control, title) in [
        (b.t("keys.rename"), b.t("keys.rename_title")),
        (b.t("keys.revoke"), b.t("keys.revoke_title")),
    ] {
        let name = format!("{control}: invoice\u{202E}gnp.exe");
        b.click("a", &name).await;
        b.assert_text(title).await;
        b.assert_focus_in_dialog().await;
        b.escape().await;
        b.assert_no_dialog().await;
        assert_eq!(b.focused_name().await, name, "focus back on {control}");
    }
    b.finish().await;
}
