//! Input rules shared by forms and the JSON API. Errors are catalog keys.

pub const MAX_LABEL_CHARS: usize = 100;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A label: trimmed, 1 to 100 characters, no control characters — in what was sent, not only
/// in what trimming leaves (a vertical tab is whitespace to trim, a control character still),
/// and the length is the length sent.
/// Any other Unicode (RTL marks, emoji, markup) is kept as typed and escaped when shown.
pub fn label(input: &str) -> Result<String, &'static str> {
    let value = input.trim();
    if value.is_empty() {
        return Err("error.label_required");
    }
    if input.chars().count() > MAX_LABEL_CHARS {
        return Err("error.label_too_long");
    }
    if input.chars().any(char::is_control) {
        return Err("error.control_chars");
    }
    Ok(value.to_owned())
}

/// How far ahead an expiry may be set: far enough for any rotation policy, near enough to
/// catch a mistyped year.
pub const MAX_EXPIRY_DAYS: i64 = 10 * 366;

/// An expiry time: later than now, at most ten years ahead; whole seconds, like every time
/// Keyward stores.
pub fn expiry(
    at: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> Result<chrono::NaiveDateTime, &'static str> {
    use chrono::Timelike;
    let at = at.with_nanosecond(0).unwrap_or(at);
    if at <= now {
        return Err("error.expiry_past");
    }
    if at > now + chrono::Duration::days(MAX_EXPIRY_DAYS) {
        return Err("error.expiry_too_far");
    }
    Ok(at)
}

/// An expiry typed as a date (`YYYY-MM-DD`; empty for none): the credential stops working at
/// 00:00 UTC that day.
pub fn expiry_date(
    input: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<chrono::NaiveDateTime>, &'static str> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let day =
        chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| "error.expiry_invalid")?;
    expiry(day.and_time(chrono::NaiveTime::MIN), now).map(Some)
}

pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// A machine's description: optional, trimmed, at most 500 characters; line breaks and tabs
/// kept, no other control character.
pub fn description(input: &str) -> Result<String, &'static str> {
    let value = input.trim();
    if input.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err("machines.description_too_long");
    }
    if input
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("error.control_chars");
    }
    Ok(value.to_owned())
}

pub fn name(input: &str) -> Result<String, &'static str> {
    let value = input.trim();
    if value.is_empty() {
        return Err("error.name_required");
    }
    if input.chars().count() > MAX_NAME_CHARS {
        return Err("error.name_too_long");
    }
    if input.chars().any(char::is_control) {
        return Err("error.control_chars");
    }
    Ok(value.to_owned())
}

/// Emails are compared lower-cased; only the shape is checked here (one `@`, a dot after it).
pub fn email(input: &str) -> Result<String, &'static str> {
    let value = input.trim().to_lowercase();
    let valid_shape = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    });
    if value.chars().count() > MAX_EMAIL_CHARS
        || !valid_shape
        || value.chars().any(char::is_whitespace)
    {
        return Err("error.email_invalid");
    }
    Ok(value)
}

pub fn new_password(password: &str, confirm: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err("error.password_too_short");
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err("error.password_too_long");
    }
    if password != confirm {
        return Err("error.password_mismatch");
    }
    Ok(())
}

/// Does `text` hold characters that change the direction of what follows (overrides,
/// embeddings, isolates, marks)? Kept as typed, but flagged where a label is shown: a label
/// such as `invoice\u{202E}gnp.exe` reads as "invoiceexe.png".
pub fn has_bidi_controls(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(label("  CI deploys "), Ok("CI deploys".into()));
        assert_eq!(label("   "), Err("error.label_required"));
        assert_eq!(label(&"x".repeat(101)), Err("error.label_too_long"));
        assert_eq!(label("a\u{0}b"), Err("error.control_chars"));
        let exotic = "<b>é</b> \u{200f}עברית 🚀";
        assert_eq!(label(exotic), Ok(exotic.into()));
    }

    #[test]
    fn emails_and_passwords() {
        assert_eq!(email(" Ada@Example.ORG "), Ok("ada@example.org".into()));
        assert!(email("nope").is_err());
        assert!(email("a@b").is_err());
        assert!(new_password("short", "short").is_err());
        assert!(new_password("long enough!", "different!!").is_err());
        assert!(new_password("long enough!", "long enough!").is_ok());
    }
}

/// Most entries an allowlist may hold.
pub const MAX_ALLOWLIST: usize = 50;

/// A key's allowlist as typed or sent: addresses and CIDR ranges, IPv4 or IPv6. Stored
/// normalised (`10.0.0.0/8`, a plain address as `/32` or `/128`), space-separated; none is
/// anywhere.
pub fn allowlist(entries: &[String]) -> Result<String, &'static str> {
    if entries.len() > MAX_ALLOWLIST {
        return Err("error.allowlist_too_long");
    }
    let mut nets = Vec::new();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let net = entry
            .parse::<ipnet::IpNet>()
            .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| "error.allowlist_entry")?;
        let net = net.trunc();
        if !nets.contains(&net) {
            nets.push(net);
        }
    }
    Ok(nets
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" "))
}

fn nets(stored: &str) -> impl Iterator<Item = ipnet::IpNet> + '_ {
    stored.split_whitespace().filter_map(|n| n.parse().ok())
}

/// Does a stored allowlist admit `address`? An empty one admits every address; an address
/// that cannot be read, none.
pub fn allowlist_admits(stored: &str, address: &str) -> bool {
    if stored.trim().is_empty() {
        return true;
    }
    let Ok(ip) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    // An IPv4 client seen through an IPv6 socket (`::ffff:10.1.2.3`) is that IPv4 address.
    let ip = match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    };
    nets(stored).any(|net| net.contains(&ip))
}

/// Is every range of `inner` inside one of `outer`'s? (An empty `outer` is anywhere.) A key
/// never makes a key usable from where it is not.
pub fn allowlist_within(inner: &str, outer: &str) -> bool {
    if outer.trim().is_empty() {
        return true;
    }
    !inner.trim().is_empty() && nets(inner).all(|i| nets(outer).any(|o| o.contains(&i)))
}

#[cfg(test)]
mod allowlist_tests {
    use super::*;

    #[test]
    fn allowlists_read_v4_v6_and_cidr_and_admit_only_what_they_name() {
        let stored = allowlist(&[
            " 10.1.2.3/8 ".into(),
            "192.0.2.7".into(),
            "2001:db8::/32".into(),
            "10.0.0.0/8".into(),
        ])
        .expect("valid");
        assert_eq!(stored, "10.0.0.0/8 192.0.2.7/32 2001:db8::/32");
        assert!(allowlist_admits(&stored, "10.200.0.1"));
        assert!(allowlist_admits(&stored, "::ffff:10.200.0.1"));
        assert!(allowlist_admits(&stored, "2001:db8:1::5"));
        assert!(!allowlist_admits(&stored, "192.0.2.8"));
        assert!(!allowlist_admits(&stored, "2001:db9::1"));
        assert!(!allowlist_admits(&stored, "not an address"));
        assert!(allowlist_admits("", "198.51.100.1"));
        assert_eq!(
            allowlist(&["10.0.0.300".into()]),
            Err("error.allowlist_entry")
        );
        assert!(allowlist_within("10.1.0.0/16", &stored));
        assert!(!allowlist_within("11.0.0.0/8", &stored));
        assert!(!allowlist_within("", &stored), "none means anywhere: wider");
        assert!(allowlist_within("", ""));
    }
}

#[cfg(test)]
mod control_tests {
    #[test]
    fn a_control_character_trimming_would_hide_is_refused_all_the_same() {
        assert_eq!(super::label("Deploys\u{b}"), Err("error.control_chars"));
        assert_eq!(super::name("\u{b}Runner"), Err("error.control_chars"));
        assert_eq!(super::description("W\t\u{b}"), Err("error.control_chars"));
        assert_eq!(
            super::description("line one\r\nline two\t").as_deref(),
            Ok("line one\r\nline two")
        );
        assert_eq!(super::label("  Deploys  ").as_deref(), Ok("Deploys"));
        // The length counts what was sent, as the API's schema says (`maxLength`).
        let hundred = "x".repeat(100);
        assert!(super::label(&hundred).is_ok());
        assert_eq!(
            super::label(&format!("{hundred} ")),
            Err("error.label_too_long")
        );
    }
}
