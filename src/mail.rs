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
    let (subject, paragraphs) = letter_text(letter);
    db::outbox::enqueue(conn, &render(letter, subject, &paragraphs), now)
}

/// One notice inside a digest, rendered in the recipient's language.
#[derive(serde::Serialize, serde::Deserialize)]
struct Notice {
    subject: String,
    paragraphs: Vec<String>,
}

/// Queues a notice to a key's owner in the current transaction. Notices to one person are
/// coalesced: the first goes at once; any that follow within `window` of it wait for the
/// window's end and go together, as one mail (a person who makes 60 keys in a minute gets
/// two mails, not 60). With a zero window every notice goes at once.
pub fn queue_notice(
    conn: &mut DbConn,
    letter: &Letter,
    window: chrono::Duration,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    if window <= chrono::Duration::zero() {
        return queue(conn, letter, now);
    }
    let (subject, paragraphs) = letter_text(letter);
    let notice = Notice {
        subject,
        paragraphs,
    };
    let key = format!("notice:{}", letter.to.to_lowercase());
    let to_json = |notices: &[Notice]| serde_json::to_string(notices).unwrap_or_default();
    db::outbox::lock_digest(conn, &key)?;
    if let Some(waiting) = db::outbox::waiting_digest(conn, &key, now)? {
        let mut notices: Vec<Notice> = serde_json::from_str(&waiting.items).unwrap_or_default();
        notices.push(notice);
        let mail = digest_mail(letter, &notices);
        if db::outbox::join_digest(conn, &waiting, &mail, &to_json(&notices))? {
            return Ok(());
        }
        // Taken for sending meanwhile: this notice starts the next one.
        let notice = notices.pop().expect("just pushed");
        let mail = digest_mail(letter, std::slice::from_ref(&notice));
        let send_at = (waiting.send_at + window).max(now);
        return db::outbox::enqueue_digest(conn, &mail, Some(&key), &to_json(&[notice]), send_at);
    }
    // Sent at once, unless one went out less than a window ago: then at that window's end.
    let send_at = match db::outbox::last_notice_at(conn, &key)? {
        Some(last) if last + window > now => last + window,
        _ => now,
    };
    let mail = digest_mail(letter, std::slice::from_ref(&notice));
    db::outbox::enqueue_digest(conn, &mail, Some(&key), &to_json(&[notice]), send_at)
}

/// One notice as itself; several as one mail listing each, with "if this was not you" once.
fn digest_mail(letter: &Letter, notices: &[Notice]) -> NewMail {
    if let [one] = notices {
        return render(letter, one.subject.clone(), &one.paragraphs);
    }
    let t = |key: &str| letter.lang.t(key);
    let count = notices.len().to_string();
    let subject = fill(t("mail.digest_subject"), &[("n", &count)]);
    let not_you = t("mail.if_not_you");
    let mut paragraphs = vec![fill(t("mail.digest_intro"), &[("n", &count)])];
    let mut warn = false;
    for n in notices {
        paragraphs.push(format!("• {}", n.subject));
        for p in &n.paragraphs {
            if p == not_you {
                warn = true;
            } else {
                paragraphs.push(p.clone());
            }
        }
    }
    if warn {
        paragraphs.push(not_you.to_owned());
    }
    render(letter, subject, &paragraphs)
}

/// A letter's subject and paragraphs, with its variables filled in.
fn letter_text(letter: &Letter) -> (String, Vec<String>) {
    let t = |key: &str| letter.lang.t(key);
    let subject = fill(t(letter.subject), letter.vars);
    let paragraphs = letter
        .paragraphs
        .iter()
        .map(|k| fill(t(k), letter.vars))
        .collect();
    (subject, paragraphs)
}

/// The mail of a letter with this subject and these paragraphs: text and HTML.
fn render(letter: &Letter, subject: String, paragraphs: &[String]) -> NewMail {
    let t = |key: &str| letter.lang.t(key);
    let greeting = fill(t("mail.greeting"), &[("name", letter.name)]);
    let footer = t("mail.footer");
    let text = TextMail {
        greeting: &greeting,
        paragraphs,
        link: letter.link,
        footer,
    };
    let html = HtmlMail {
        lang: letter.lang.code(),
        subject: &subject,
        greeting: &greeting,
        paragraphs,
        link: letter.link,
        link_text: t("mail.link"),
        footer,
    };
    let (body_text, body_html) = (
        text.render().unwrap_or_default(),
        html.render().unwrap_or_default(),
    );
    NewMail {
        recipient: letter.to.to_owned(),
        subject,
        body_text,
        body_html,
    }
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
        // As it is now: a notice may have joined a digest between the read and the lease.
        let mail = db::with_conn(pool, |c| {
            Ok::<_, crate::error::AppError>(db::outbox::find(c, mail.id)?)
        })?;
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
