//! Request paths as Orthanc reads them: empty components are dropped, so `//patients` and
//! `/patients/` are `/patients` (Orthanc's own integration tests join a base URL ending in `/`
//! with paths starting with `/`).

use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// The path without empty components; `None` when it has none to drop.
fn normalized(path: &str) -> Option<String> {
    let clean = path.len() <= 1 || (!path.contains("//") && !path.ends_with('/'));
    if clean {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for part in path.split('/').filter(|p| !p.is_empty()) {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// The request with its path normalized (the query is kept as sent).
pub fn normalize<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let Some(path) = normalized(req.uri().path()) else {
        return req;
    };
    let rebuilt = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = rebuilt.parse::<PathAndQuery>() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::normalized;

    #[test]
    fn empty_components_are_dropped() {
        assert_eq!(normalized("/patients"), None);
        assert_eq!(normalized("/"), None);
        assert_eq!(normalized("//patients").as_deref(), Some("/patients"));
        assert_eq!(normalized("/patients/").as_deref(), Some("/patients"));
        assert_eq!(
            normalized("//instances//abc///tags/").as_deref(),
            Some("/instances/abc/tags")
        );
        assert_eq!(normalized("//").as_deref(), Some("/"));
    }
}
