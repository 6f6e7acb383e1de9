//! Webhooks: the events an endpoint can receive, and the rules of an endpoint's address.

use std::net::IpAddr;

use super::journal::Action;

macro_rules! events {
    ($($variant:ident => $code:literal),+ $(,)?) => {
        /// One kind of event sent to webhook endpoints (`type` in the payload).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Event {
            $($variant),+
        }

        impl Event {
            pub const ALL: &'static [Event] = &[$(Event::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $(Event::$variant => $code),+
                }
            }

            /// Catalog key of the label: `webhooks.event.` and the code.
            pub fn label_key(self) -> &'static str {
                match self {
                    $(Event::$variant => concat!("webhooks.event.", $code)),+
                }
            }
        }
    };
}

events! {
    CredentialCreated => "credential.created",
    CredentialRolled => "credential.rolled",
    CredentialExpiring => "credential.expiring",
    CredentialExpired => "credential.expired",
    CredentialDeactivated => "credential.deactivated",
    CredentialReactivated => "credential.reactivated",
    CredentialDeleted => "credential.deleted",
    CredentialLeaked => "credential.leaked",
    CredentialCanaryUsed => "credential.canary_used",
    CredentialNewSource => "credential.new_source",
    OperatorCreated => "operator.created",
    OperatorDeleted => "operator.deleted",
    MachineCreated => "machine.created",
    MachineDeleted => "machine.deleted",
}

/// A delivery's body, as the Standard Webhooks specification suggests it:
/// `{"type", "timestamp", "data"}`.
pub fn payload(event: &str, at: chrono::NaiveDateTime, data: serde_json::Value) -> String {
    serde_json::json!({
        "type": event,
        "timestamp": at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": data,
    })
    .to_string()
}

/// The type of the event sent by "Send test event"; no endpoint subscribes to it.
pub const TEST_EVENT: &str = "webhook.test";

impl Event {
    pub fn parse(code: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// The event a journalled action is sent as, if any: every change an endpoint can ask
    /// for is journalled, so the journal is the one place events come from.
    pub fn of(action: Action) -> Option<Event> {
        Some(match action {
            Action::CredentialCreated
            | Action::CredentialRegistered
            | Action::CredentialImported => Event::CredentialCreated,
            Action::CredentialRolled => Event::CredentialRolled,
            Action::CredentialExpiring => Event::CredentialExpiring,
            Action::CredentialExpired => Event::CredentialExpired,
            Action::CredentialDeactivated | Action::CredentialDormantDeactivated => {
                Event::CredentialDeactivated
            }
            Action::CredentialActivated => Event::CredentialReactivated,
            Action::CredentialDeleted => Event::CredentialDeleted,
            Action::CredentialLeakReported => Event::CredentialLeaked,
            Action::CredentialCanaryUsed => Event::CredentialCanaryUsed,
            Action::CredentialNewNetwork => Event::CredentialNewSource,
            Action::OperatorCreated | Action::OperatorInvited => Event::OperatorCreated,
            Action::OperatorDeleted => Event::OperatorDeleted,
            Action::MachineCreated => Event::MachineCreated,
            Action::MachineDeleted => Event::MachineDeleted,
            _ => return None,
        })
    }
}

/// An endpoint's events as stored: known codes, each once, space-separated, in `ALL`'s order.
pub fn events(asked: &[String]) -> Result<String, &'static str> {
    if asked.iter().any(|a| Event::parse(a).is_none()) {
        return Err("webhooks.unknown_event");
    }
    let chosen: Vec<&str> = Event::ALL
        .iter()
        .map(|e| e.code())
        .filter(|code| asked.iter().any(|a| a == code))
        .collect();
    if chosen.is_empty() {
        return Err("webhooks.no_events");
    }
    Ok(chosen.join(" "))
}

pub const MAX_URL_CHARS: usize = 2000;

/// An endpoint's address: an absolute `https` URL (or `http`), with a host, no user or
/// password in it (they would be shown on every page that lists it), no fragment.
pub fn url(input: &str) -> Result<String, &'static str> {
    let value = input.trim();
    if value.is_empty() {
        return Err("webhooks.url_required");
    }
    if value.chars().count() > MAX_URL_CHARS {
        return Err("webhooks.url_too_long");
    }
    let Ok(parsed) = url::Url::parse(value) else {
        return Err("webhooks.url_invalid");
    };
    if !matches!(parsed.scheme(), "https" | "http")
        || parsed.host_str().is_none_or(str::is_empty)
        || !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.fragment().is_some()
    {
        return Err("webhooks.url_invalid");
    }
    Ok(parsed.to_string())
}

/// Retries after a failed attempt, as the Standard Webhooks guidance has them: soon, then
/// further apart, for a little over a day. After the last, the delivery is given up.
pub const RETRY_AFTER_SECONDS: [i64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/// An endpoint failing for this long (every attempt since) is turned off.
pub const DISABLE_AFTER_HOURS: i64 = 24;

/// The IP address written in a URL's host, if it is one (those are not resolved).
pub fn literal_address(url: &str) -> Option<IpAddr> {
    match url::Url::parse(url).ok()?.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// An address anyone on the internet could reach: not loopback, private, link-local,
/// shared (100.64/10), unspecified, multicast, broadcast, documentation or unique-local.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                public(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)))
            };
            // Addresses that carry an IPv4 one reach it: judged by it. IPv4-mapped and
            // -compatible (::a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16).
            if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) && !(s[5] == 0 && s[6] == 0) {
                return embedded(s[6], s[7]);
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return embedded(s[6], s[7]);
            }
            if s[0] == 0x2002 {
                return embedded(s[1], s[2]);
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Local-use NAT64, unique-local, link-local, site-local, documentation.
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || s[0] == 0x2001 && s[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_and_comes_from_an_action() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.code()), Some(*e));
            assert!(
                Action::ALL.iter().any(|a| Event::of(*a) == Some(*e)),
                "{e:?} is never sent"
            );
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(
            url(" https://hooks.example.org/keyward?x=1 ").as_deref(),
            Ok("https://hooks.example.org/keyward?x=1")
        );
        for bad in [
            "",
            "ftp://example.org/",
            "https://user:pw@example.org/",
            "https://example.org/#frag",
            "not a url",
            "mailto:a@example.org",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            events(&["machine.created".into(), "credential.created".into()]).as_deref(),
            Ok("credential.created machine.created")
        );
        assert!(events(&[]).is_err());
        assert!(events(&["nope".into()]).is_err());
    }

    #[test]
    fn only_public_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "fec0::1",
            "2002:7f00:1::1",
            "192.0.0.8",
        ] {
            assert!(!public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(public(ip.parse().expect("ip")), "{ip}");
        }
        assert_eq!(
            literal_address("http://[::1]:8080/x"),
            Some("::1".parse().expect("ip"))
        );
        assert_eq!(literal_address("https://hooks.example.org/"), None);
    }
}
