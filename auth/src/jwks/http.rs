//! The built-in JWKS fetcher (feature `jwks-remote`): one `GET` over a fresh connection per
//! fetch (a few per hour), HTTP/1.1 with hyper's client, TLS with rustls.
//!
//! A fresh connection per fetch means no connection pool and no task left behind: the
//! connection is driven inside the fetch itself and closed when it returns, so a fetch that
//! times out leaves nothing running.

use std::future::poll_fn;
use std::net::IpAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use axum::body::Bytes;
use http::header::{ACCEPT, CONNECTION, CONTENT_LENGTH, HOST, USER_AGENT};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty, LengthLimitError, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

use super::{FetchFuture, JwksError, JwksFetcher};

pub(crate) struct HttpFetcher {
    /// `scheme://authority/path`, without the query: what logs show.
    location: String,
    /// The host to connect to (an IPv6 literal without its brackets).
    host: String,
    port: u16,
    /// The `Host` header.
    authority: String,
    path_and_query: String,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl HttpFetcher {
    pub(crate) fn new(url: &str, extra_roots: &[Vec<u8>]) -> Result<Self, JwksError> {
        let uri: Uri = url
            .parse()
            .map_err(|_| JwksError::InvalidUrl("not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(JwksError::InvalidUrl("the scheme must be `https`")),
        };
        let authority = uri
            .authority()
            .ok_or(JwksError::InvalidUrl("not an absolute URL"))?;
        if authority.as_str().contains('@') {
            return Err(JwksError::InvalidUrl(
                "credentials in the URL are not supported",
            ));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err(JwksError::InvalidUrl("no host"));
        }
        if !https && !is_loopback(&host) {
            return Err(JwksError::InvalidUrl(
                "plain `http` is only allowed to a loopback address (for tests); use `https`",
            ));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tls = if https {
            let name = ServerName::try_from(host.clone())
                .map_err(|_| JwksError::InvalidUrl("the host is not a valid server name"))?;
            Some((TlsConnector::from(tls_config(extra_roots)?), name))
        } else {
            None
        };
        let path = uri.path();
        Ok(Self {
            location: format!(
                "{}://{}{}",
                uri.scheme_str().unwrap_or("https"),
                authority,
                path
            ),
            host,
            port,
            authority: authority.as_str().to_owned(),
            path_and_query: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned()),
            tls,
        })
    }

    async fn get(&self, max_size: usize) -> Result<Vec<u8>, JwksError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|err| JwksError::Fetch(format!("cannot connect: {err}")))?;
        // Not worth failing a fetch for: it only saves a round trip.
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|err| JwksError::Fetch(format!("TLS: {err}")))?;
                self.exchange(TokioIo::new(tls), max_size).await
            }
            None => self.exchange(TokioIo::new(tcp), max_size).await,
        }
    }

    /// One request on a fresh HTTP/1.1 connection, driven here until the body is read.
    async fn exchange<T>(&self, io: T, max_size: usize) -> Result<Vec<u8>, JwksError>
    where
        T: hyper::rt::Read + hyper::rt::Write + Unpin,
    {
        let fail = |err: hyper::Error| JwksError::Fetch(format!("HTTP: {err}"));
        let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(io)
            .await
            .map_err(fail)?;
        let request = Request::get(self.path_and_query.as_str())
            .header(HOST, self.authority.as_str())
            .header(ACCEPT, "application/jwk-set+json, application/json")
            .header(USER_AGENT, concat!("auth/", env!("CARGO_PKG_VERSION")))
            .header(CONNECTION, "close")
            .body(Empty::new())
            .map_err(|_| JwksError::InvalidUrl("not a valid request target"))?;
        let exchange = async {
            let response = sender.send_request(request).await.map_err(fail)?;
            if response.status() != StatusCode::OK {
                return Err(JwksError::Status(response.status().as_u16()));
            }
            let announced = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok());
            if announced.is_some_and(|len| len > max_size as u64) {
                return Err(JwksError::TooLarge { limit: max_size });
            }
            let body = Limited::new(response.into_body(), max_size)
                .collect()
                .await
                .map_err(|err| {
                    if err.is::<LengthLimitError>() {
                        JwksError::TooLarge { limit: max_size }
                    } else {
                        JwksError::Fetch(format!("HTTP body: {err}"))
                    }
                })?;
            Ok(body.to_bytes().to_vec())
        };
        // Poll the connection and the exchange together, without spawning a task: the
        // connection ends with this future.
        let mut connection = pin!(connection);
        let mut exchange = pin!(exchange);
        let mut connection_done = false;
        poll_fn(|cx| {
            if !connection_done && let Poll::Ready(result) = connection.as_mut().poll(cx) {
                connection_done = true;
                if let Err(err) = result {
                    return Poll::Ready(Err(fail(err)));
                }
            }
            exchange.as_mut().poll(cx)
        })
        .await
    }
}

impl JwksFetcher for HttpFetcher {
    fn fetch(&self, max_size: usize) -> FetchFuture<'_> {
        Box::pin(self.get(max_size))
    }

    fn location(&self) -> &str {
        &self.location
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Mozilla's roots (webpki-roots) plus the given PEM certificates; TLS 1.2 and 1.3 with the
/// aws-lc provider; HTTP/1.1 by ALPN.
fn tls_config(extra_roots: &[Vec<u8>]) -> Result<Arc<ClientConfig>, JwksError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_roots {
        let mut added = 0usize;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert =
                cert.map_err(|_| JwksError::InvalidConfig("a root certificate PEM is invalid"))?;
            roots
                .add(cert)
                .map_err(|_| JwksError::InvalidConfig("a root certificate cannot be used"))?;
            added += 1;
        }
        if added == 0 {
            return Err(JwksError::InvalidConfig(
                "no certificate in the root certificate PEM",
            ));
        }
    }
    let provider = Arc::new(crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| JwksError::InvalidConfig("no TLS protocol version available"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let ok =
            HttpFetcher::new("https://sso.example.com/realms/demo/certs?x=secret", &[]).unwrap();
        assert_eq!(ok.location, "https://sso.example.com/realms/demo/certs");
        assert_eq!((ok.host.as_str(), ok.port), ("sso.example.com", 443));
        assert_eq!(ok.path_and_query, "/realms/demo/certs?x=secret");
        let local = HttpFetcher::new("http://127.0.0.1:8080/jwks", &[]).unwrap();
        assert!(local.tls.is_none());
        let v6 = HttpFetcher::new("http://[::1]:9/jwks", &[]).unwrap();
        assert_eq!(v6.host, "::1");
        for bad in [
            "http://sso.example.com/certs",
            "ftp://sso.example.com/certs",
            "/relative",
            "https://user:pass@sso.example.com/certs",
            "not a url",
            "",
        ] {
            assert!(
                matches!(HttpFetcher::new(bad, &[]), Err(JwksError::InvalidUrl(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            HttpFetcher::new("https://sso.example.com/", &[b"no pem here".to_vec()]),
            Err(JwksError::InvalidConfig(_))
        ));
    }
}
