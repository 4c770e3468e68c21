//! Account settings that could send a token where it should not go, and
//! a keyring that would only pretend to keep it (issue 10, parts 3, 6, 7).

use keyfleet::keys::SecretString;
use keyfleet::providers::ProviderKind;
use keyfleet::providers::http::normalize_base_url;
use keyfleet::providers::{AccountTarget, ApiErrorKind, Http, HttpPolicy, ProviderClient};
use keyfleet::ui::profile_modal::ProfileModal;

#[test]
fn urls_with_user_or_password_are_refused_without_repeating_them() {
    for url in [
        "https://user:hunter2@api.gcore.com",
        "https://hunter2@api.gcore.com",
        "https://:hunter2@api.cloud.sesterce.com/",
        "http://user:hunter2@127.0.0.1:8080",
        // Refused for the credentials, not for plain http (which would echo the URL).
        "http://user:hunter2@evil.example",
    ] {
        let err = normalize_base_url(url).unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::InvalidInput, "{url}");
        assert!(
            err.message.contains("user name or password"),
            "{url}: {}",
            err.message
        );
        assert!(!err.message.contains("hunter2"), "{url}: {}", err.message);
        for kind in ProviderKind::ALL {
            let target = AccountTarget {
                kind,
                base_url: url.into(),
                token: SecretString::new("token"),
                project_id: Some(1),
                region_ids: Vec::new(),
                organization: Some("org".into()),
            };
            let http = Http::new(HttpPolicy::default()).unwrap();
            let err = ProviderClient::new(http, &target).unwrap_err();
            assert!(err.message.contains("user name or password"), "{kind:?}");
        }
        let mut modal = ProfileModal::new_profile(ProviderKind::Sesterce);
        modal.profile.name = "x".into();
        modal.profile.base_url = url.into();
        *modal.token.expose_mut() = "token".into();
        let message = modal.build_profile().unwrap_err();
        assert!(message.contains("user name or password"), "{message}");
    }
    // A URL that does not even parse is not repeated when it may hold a password.
    let err = normalize_base_url("https://user:hunter2@api.gcore.com:99999").unwrap_err();
    assert!(!err.message.contains("hunter2"), "{}", err.message);
    // An @ in the path is not userinfo.
    assert!(normalize_base_url("https://tfe.example.com/team@x").is_ok());
}
