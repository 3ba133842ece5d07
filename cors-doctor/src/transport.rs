//! Putting one request on the wire: the [`Transport`] the exchange logic calls, and the real one
//! over HTTP/1.1 (with rustls for HTTPS).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use cors_core::client::{Outgoing, Response};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Why a request got no response: DNS, connection, TLS, timeout, a malformed reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkError(pub String);

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NetworkError {}

/// Sends one request and returns its response, without following redirects.
///
/// Closures implement it, so tests can answer without sockets:
///
/// ```
/// use cors_core::client::{Outgoing, Response};
/// use cors_doctor::{NetworkError, Transport};
///
/// let mut refuse_all = |_: &Outgoing| -> Result<Response, NetworkError> { Ok(Response::new(403)) };
/// let _: &mut dyn Transport = &mut refuse_all;
/// ```
pub trait Transport {
    /// Sends `request` and returns the response as received.
    fn send(&mut self, request: &Outgoing) -> Result<Response, NetworkError>;
}

impl<F> Transport for F
where
    F: FnMut(&Outgoing) -> Result<Response, NetworkError>,
{
    fn send(&mut self, request: &Outgoing) -> Result<Response, NetworkError> {
        self(request)
    }
}

/// The real transport: a blocking HTTP/1.1 client (ureq) with rustls and the webpki roots, no
/// redirect following, no status treated as an error, and no header of its own but `Host`,
/// `User-Agent: cors-doctor/VERSION` and, for a method that carries a body, `Content-Length: 0`.
///
/// `localhost` and every name under it (`api.localhost`, `a.app.localhost`) reach loopback
/// (127.0.0.1, then ::1) without asking the system's resolver, as Chromium and Firefox do
/// (RFC 6761): a development setup with a page on `http://app.localhost:3000` and an API on
/// `http://api.localhost:8080` works in both browsers on a machine whose resolver knows no such
/// names, and the doctor must reach the API there too.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A client that gives up on an exchange after `timeout`.
    pub fn new(timeout: Duration) -> HttpTransport {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .user_agent(concat!("cors-doctor/", env!("CARGO_PKG_VERSION")))
            .accept("")
            .timeout_global(Some(timeout))
            .build();
        HttpTransport { agent: ureq::Agent::with_parts(config, DefaultConnector::new(), LoopbackNames) }
    }
}

/// Whether browsers resolve `host` to loopback by themselves: `localhost` and names under it,
/// in any case, with or without the final dot.
pub(crate) fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// The system's resolver, but for the names [`is_localhost_name`] covers, which go to loopback.
#[derive(Debug)]
struct LoopbackNames;

impl Resolver for LoopbackNames {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority().filter(|a| is_localhost_name(a.host())) else {
            return DefaultResolver::default().resolve(uri, config, timeout);
        };
        let https = uri.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("https"));
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let mut addrs = self.empty();
        addrs.push(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        addrs.push(SocketAddr::from((Ipv6Addr::LOCALHOST, port)));
        Ok(addrs)
    }
}

impl Transport for HttpTransport {
    fn send(&mut self, request: &Outgoing) -> Result<Response, NetworkError> {
        let uri = request.url.to_string();
        let mut builder = ureq::http::Request::builder().method(request.method.as_str()).uri(&uri);
        for header in &request.headers {
            builder = builder.header(header.name.as_str(), header.value.as_slice());
        }
        let invalid = |e: ureq::http::Error| NetworkError(format!("cannot build the request to {uri}: {e}"));
        // Browsers send `Content-Length: 0` for a bodiless POST, PUT or PATCH.
        let result = if matches!(request.method.as_str(), "POST" | "PUT" | "PATCH") {
            self.agent.run(builder.body(&b""[..]).map_err(invalid)?)
        } else {
            self.agent.run(builder.body(()).map_err(invalid)?)
        };
        let reply = result.map_err(|e| NetworkError(describe(&e, &request.url)))?;
        let mut response = Response::new(reply.status().as_u16());
        for (name, value) in reply.headers() {
            response.push_header(name.as_str(), value.as_bytes());
        }
        Ok(response)
    }
}

/// A network error in words, naming the host.
fn describe(error: &ureq::Error, url: &cors_core::client::Url) -> String {
    let authority = url.authority();
    let https = url.scheme() == cors_core::client::HttpScheme::Https;
    match error {
        ureq::Error::HostNotFound => format!("{authority}: host not found"),
        ureq::Error::ConnectionFailed => format!("{authority}: connection failed"),
        ureq::Error::Timeout(_) => format!("{authority}: timed out"),
        ureq::Error::Tls(e) => format!("{authority}: TLS error: {e}"),
        ureq::Error::Rustls(e) => format!("{authority}: TLS error: {e}"),
        // rustls reports a failed handshake (e.g. a plain-HTTP server on an https URL) as I/O.
        ureq::Error::Io(e) if https && e.kind() == std::io::ErrorKind::InvalidData => {
            format!("{authority}: TLS error: {e}")
        }
        ureq::Error::Io(e) => format!("{authority}: {e}"),
        other => format!("{authority}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::is_localhost_name;

    #[test]
    fn localhost_names_are_the_ones_browsers_keep_on_loopback() {
        for host in ["localhost", "api.localhost", "a.app.localhost", "API.LocalHost", "api.localhost."] {
            assert!(is_localhost_name(host), "{host}");
        }
        for host in ["localhost.example", "mylocalhost", "127.0.0.1", "example.com", "localhostx"] {
            assert!(!is_localhost_name(host), "{host}");
        }
    }
}
