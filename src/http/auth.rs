//! Orthanc's access rules: loopback only unless `RemoteAccessAllowed`, and HTTP Basic
//! authentication against `RegisteredUsers`, compared in constant time, never logged.

use std::collections::BTreeMap;

use base64::Engine;

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    diff == 0
}

/// Whether an `Authorization` header carries one of the registered users' credentials.
pub fn authorized(header: Option<&str>, users: &BTreeMap<String, String>) -> bool {
    let Some(encoded) = header.and_then(|h| h.strip_prefix("Basic ")) else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
    // Check every user so that the time does not tell which names exist.
    let mut ok = false;
    for (name, pass) in users {
        let matches =
            constant_time_eq(name.as_bytes(), user) & constant_time_eq(pass.as_bytes(), password);
        ok |= matches;
    }
    ok
}

/// The user name of a Basic `Authorization` header (checked by the access rules before any
/// route runs), for Orthanc's `HttpUsername` metadata; control characters are not kept.
pub fn user_of(header: Option<&str>) -> Option<String> {
    let encoded = header?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    let user = String::from_utf8(decoded[..colon].to_vec()).ok()?;
    (!user.chars().any(char::is_control)).then_some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials() {
        let users = BTreeMap::from([("alice".to_string(), "s3cret".to_string())]);
        let header = |u: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(u)
            )
        };
        assert!(authorized(Some(&header("alice:s3cret")), &users));
        assert!(!authorized(Some(&header("alice:wrong")), &users));
        assert!(!authorized(Some(&header("bob:s3cret")), &users));
        assert!(!authorized(Some(&header("alice")), &users));
        assert!(!authorized(Some("Bearer x"), &users));
        assert!(!authorized(None, &users));
        assert_eq!(
            user_of(Some(&header("alice:s3cret"))).as_deref(),
            Some("alice")
        );
        assert_eq!(user_of(Some(&header("al\nice:x"))), None);
        assert_eq!(user_of(None), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        let long = [b"pw".as_slice(), &[0u8; 65536]].concat();
        assert!(
            !constant_time_eq(b"pw", &long),
            "a length difference of 65536 still differs"
        );
    }
}
