//! Property tests: the Authorization header and token parsers never panic on any input, and
//! always read back what a well-behaved client sends.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use keyward::domain::credential::{PUBLIC_ID_LEN, SECRET_LEN, parse_authorization, parse_token};
use proptest::prelude::*;

fn alnum(len: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9]{{{len}}}")).expect("regex")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_are_handled(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let _ = parse_authorization(Some(&bytes));
    }

    #[test]
    fn any_basic_payload_is_handled(payload in proptest::collection::vec(any::<u8>(), 0..300)) {
        let header = format!("Basic {}", STANDARD.encode(&payload));
        let _ = parse_authorization(Some(header.as_bytes()));
    }

    #[test]
    fn any_token_text_is_handled(text in ".{0,200}") {
        let _ = parse_token(&text);
        let _ = parse_authorization(Some(format!("Bearer {text}").as_bytes()));
    }

    #[test]
    fn well_formed_credentials_round_trip(id in alnum(PUBLIC_ID_LEN), secret in alnum(SECRET_LEN)) {
        let basic = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
        let parsed = parse_authorization(Some(basic.as_bytes())).expect("ok").expect("some");
        prop_assert_eq!(&parsed.public_id, &id);
        prop_assert_eq!(parsed.secret.expose(), secret.as_str());
        let bearer = format!("bearer   kwd_{id}_{secret}  ");
        let parsed = parse_authorization(Some(bearer.as_bytes())).expect("ok").expect("some");
        prop_assert_eq!(&parsed.public_id, &id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Form bodies: whatever bytes arrive, decoding answers Ok or Err, never panics, and a
    /// decoded label is then validated like any other.
    #[test]
    fn any_form_body_is_handled(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(form) = serde_urlencoded::from_bytes::<keyward::web::account::operator_api::LabelForm>(&body) {
            let _ = keyward::domain::validation::label(&form.label);
        }
        let _ = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body);
    }

    #[test]
    fn labels_round_trip_through_a_form(label in "\\PC{1,100}") {
        let body = serde_urlencoded::to_string([("label", label.as_str())]).expect("encode");
        let form: keyward::web::account::operator_api::LabelForm = serde_urlencoded::from_str(&body).expect("decode");
        prop_assert_eq!(form.label, label);
    }
}
