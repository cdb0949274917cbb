//! Which address a request comes from, for throttling (security manual, LG-10): the socket
//! peer, or behind trusted reverse proxies the first untrusted hop of their forwarding header,
//! read from the right.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::header::{FORWARDED, HeaderName};
use axum::http::request::Parts;

/// The header trusted proxies write the client's address into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`, each proxy appending the address it received
    /// the request from (nginx `proxy_set_header X-Forwarded-For
    /// $proxy_add_x_forwarded_for;`, Traefik, most load balancers).
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239), each proxy appending an element with
    /// the `for` of the address it received the request from.
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> HeaderName {
        match self {
            Self::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
            Self::Forwarded => FORWARDED,
        }
    }
}

impl fmt::Display for ForwardedHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::XForwardedFor => "X-Forwarded-For",
            Self::Forwarded => "Forwarded",
        })
    }
}

/// At most this many hops are read from the right; a longer chain of trusted proxies ends at
/// the last one read.
const MAX_HOPS: usize = 32;

/// An address range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    /// The network, IPv4 as IPv4-mapped IPv6.
    network: u128,
    /// The prefix length in those 128 bits (an IPv4 /8 is 104).
    prefix: u8,
    text_v4: bool,
}

impl Cidr {
    /// `None` unless `text` is an address, or an address, `/` and a prefix length (at most 32
    /// for IPv4, 128 for IPv6) whose host bits are zero: `10.0.0.1/8` is refused, since it
    /// most likely is not what its author meant.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => {
                if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (address, Some(prefix.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        let (network, width, text_v4) = match address.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => (u128::from(v4.to_ipv6_mapped()), 32, true),
            IpAddr::V6(v6) => (u128::from(v6), 128, false),
        };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return None;
        }
        let prefix = prefix + (128 - width);
        if network & !mask(prefix) != 0 {
            return None;
        }
        Some(Self {
            network,
            prefix,
            text_v4,
        })
    }

    fn contains(&self, address: IpAddr) -> bool {
        bits(address) & mask(self.prefix) == self.network
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v6 = Ipv6Addr::from(self.network);
        match (self.text_v4, v6.to_ipv4_mapped()) {
            (true, Some(v4)) => write!(f, "{v4}/{}", self.prefix - 96),
            _ => write!(f, "{v6}/{}", self.prefix),
        }
    }
}

/// The first `prefix` bits set.
fn mask(prefix: u8) -> u128 {
    match prefix {
        0 => 0,
        p => u128::MAX << (128 - u32::from(p.min(128))),
    }
}

/// An address as 128 bits, IPv4 (also IPv4-mapped) as IPv4-mapped IPv6.
fn bits(address: IpAddr) -> u128 {
    match address.to_canonical() {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The reverse proxies whose forwarding header is believed.
#[derive(Debug, Clone)]
pub(crate) struct TrustedProxies {
    header: ForwardedHeader,
    ranges: Vec<Cidr>,
}

impl TrustedProxies {
    pub(crate) fn new(header: ForwardedHeader, ranges: Vec<Cidr>) -> Self {
        Self { header, ranges }
    }

    /// What the start-up log says.
    pub(crate) fn describe(&self) -> (ForwardedHeader, String) {
        let ranges: Vec<String> = self.ranges.iter().map(ToString::to_string).collect();
        (self.header, ranges.join(", "))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.ranges.iter().any(|range| range.contains(address))
    }

    /// The client's address: the socket peer when it is not a trusted proxy (its headers are
    /// ignored); else the header's hops, read from the right, skipping trusted proxies, and
    /// the first untrusted one is the client. A hop that cannot be read (malformed, `unknown`,
    /// an obfuscated identifier) ends the walk at the last trusted hop before it, as does a
    /// missing header (the peer) or a chain of trusted proxies only (its leftmost hop). No
    /// `ConnectInfo`: no address.
    pub(crate) fn client(&self, parts: &Parts) -> Option<IpAddr> {
        let peer = connect_info(parts)?.to_canonical();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut last_trusted = peer;
        let values = parts.headers.get_all(self.header.name());
        let hops = values
            .iter()
            .rev()
            .flat_map(|value| value.as_bytes().rsplit(|&b| b == b','));
        for hop in hops.take(MAX_HOPS) {
            let parsed = match self.header {
                ForwardedHeader::XForwardedFor => x_forwarded_for_hop(hop),
                ForwardedHeader::Forwarded => forwarded_hop(hop),
            };
            let Some(address) = parsed else {
                return Some(last_trusted);
            };
            if !self.trusts(address) {
                return Some(address);
            }
            last_trusted = address;
        }
        Some(last_trusted)
    }
}

/// axum's `ConnectInfo<SocketAddr>`, when the server provides it.
pub(crate) fn connect_info(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
}

/// One entry of `X-Forwarded-For`: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) or in brackets, with white space around it.
fn x_forwarded_for_hop(entry: &[u8]) -> Option<IpAddr> {
    let entry = std::str::from_utf8(entry).ok()?.trim_matches([' ', '\t']);
    node(entry)
}

/// One element of `Forwarded` (RFC 7239 §4): `;`-separated `name=value` pairs, of which
/// `for` must appear exactly once and name an address; a quoted value may hold a port
/// (`for="[2001:db8::1]:4711"`). `unknown` and obfuscated identifiers (`_hidden`) identify no
/// address.
fn forwarded_hop(element: &[u8]) -> Option<IpAddr> {
    let element = std::str::from_utf8(element).ok()?.trim_matches([' ', '\t']);
    let mut found = None;
    for pair in element.split(';') {
        let (name, value) = pair.trim_matches([' ', '\t']).split_once('=')?;
        if !name.eq_ignore_ascii_case("for") {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = Some(unquote(value)?);
    }
    node(&found?)
}

/// A `Forwarded` value: a token, or a quoted string with its `\` escapes removed.
fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return (!value.is_empty() && !value.contains(['"', '\\'])).then(|| value.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// An address, with or without a port: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:80`.
fn node(text: &str) -> Option<IpAddr> {
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .parse::<Ipv6Addr>()
        .ok()
        .map(|v6| IpAddr::V6(v6).to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Request};

    use super::*;

    fn proxies(header: ForwardedHeader, ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            header,
            ranges.iter().map(|r| Cidr::parse(r).unwrap()).collect(),
        )
    }

    fn parts(peer: &str, header: &str, values: &[&[u8]]) -> Parts {
        let mut request = Request::new(());
        for value in values {
            request.headers_mut().append(
                HeaderName::from_bytes(header.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let peer: IpAddr = peer.parse().unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(peer, 40000)));
        request.into_parts().0
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn cidrs_parse_strictly() {
        for good in [
            "10.0.0.0/8",
            "192.168.1.1",
            "192.168.1.1/32",
            "0.0.0.0/0",
            "::1",
            "fd00::/8",
            "2001:db8::/32",
            "::/0",
            " 172.16.0.0/12 ",
        ] {
            assert!(Cidr::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "10.0.0.1/8",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/08x",
            "fd00::1/8",
            "::/129",
            "10.0.0",
            "localhost",
            "10.0.0.0/8/8",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
        let range = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(range.contains(ip("10.255.0.1")));
        assert!(range.contains(ip("::ffff:10.1.2.3")));
        assert!(!range.contains(ip("11.0.0.1")));
        assert!(
            !range.contains(ip("::a00:1")),
            "IPv4-compatible is not IPv4"
        );
        assert_eq!(range.to_string(), "10.0.0.0/8");
        assert_eq!(Cidr::parse("fd00::/8").unwrap().to_string(), "fd00::/8");
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(
            !Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("2001:db8::1"))
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let p = proxies(ForwardedHeader::XForwardedFor, &["10.0.0.0/8"]);
        let request = parts("203.0.113.9", "x-forwarded-for", &[b"192.0.2.1, 10.0.0.1"]);
        assert_eq!(p.client(&request), Some(ip("203.0.113.9")));
        let no_peer = Request::new(()).into_parts().0;
        assert_eq!(p.client(&no_peer), None);
    }

    #[test]
    fn x_forwarded_for_is_read_from_the_right() {
        let p = proxies(ForwardedHeader::XForwardedFor, &["10.0.0.0/8", "fd00::/8"]);
        for (values, client) in [
            (&[&b"192.0.2.1"[..]][..], "192.0.2.1"),
            (&[b"6.6.6.6, 192.0.2.1"], "192.0.2.1"),
            (&[b"6.6.6.6, 192.0.2.1, 10.0.0.2"], "192.0.2.1"),
            (&[b"6.6.6.6", b"192.0.2.1", b"10.0.0.2"], "192.0.2.1"),
            (&[b"6.6.6.6,192.0.2.1 ,\t10.0.0.2"], "192.0.2.1"),
            (&[b"192.0.2.1:4711, [fd00::2]:80"], "192.0.2.1"),
            (&[b"[2001:db8::7]"], "2001:db8::7"),
            (&[b"::ffff:192.0.2.1"], "192.0.2.1"),
            // only trusted hops: the leftmost
            (&[b"10.0.0.3, 10.0.0.2"], "10.0.0.3"),
            // no header: the proxy itself
            (&[], "10.0.0.1"),
            // a malformed hop ends the walk at the last trusted one
            (&[b"192.0.2.1, garbage, 10.0.0.2"], "10.0.0.2"),
            (&[b"192.0.2.1, , 10.0.0.2"], "10.0.0.2"),
            (&[b"192.0.2.1, unknown"], "10.0.0.1"),
            (&[b"192.0.2.1,"], "10.0.0.1"),
            (&[b"192.0.2.1, 10.0.0.2\xff"], "10.0.0.1"),
            // ... but garbage left of the client is never read
            (&[b"\xff\xfe, not an address, 192.0.2.1"], "192.0.2.1"),
        ] {
            let request = parts("10.0.0.1", "x-forwarded-for", values);
            assert_eq!(p.client(&request), Some(ip(client)), "{values:?}");
        }
    }

    #[test]
    fn forwarded_is_read_from_the_right() {
        let p = proxies(ForwardedHeader::Forwarded, &["10.0.0.0/8"]);
        for (values, client) in [
            (
                &[&b"for=192.0.2.60;proto=https;by=10.0.0.1"[..]][..],
                "192.0.2.60",
            ),
            (&[b"for=6.6.6.6, For=192.0.2.60"], "192.0.2.60"),
            (&[br#"for="[2001:db8:cafe::17]:4711""#], "2001:db8:cafe::17"),
            (&[br#"for="192.0.2.60:4711", for=10.0.0.2"#], "192.0.2.60"),
            (
                &[b"for=192.0.2.60", b"for=10.0.0.2;proto=http"],
                "192.0.2.60",
            ),
            (&[br#"for="\[2001:db8::1\]""#], "2001:db8::1"),
            // unidentifiable or malformed: the last trusted hop
            (&[b"for=unknown, for=10.0.0.2"], "10.0.0.2"),
            (&[b"for=_hidden"], "10.0.0.1"),
            (&[b"proto=https"], "10.0.0.1"),
            (&[b"for=192.0.2.60;for=192.0.2.61"], "10.0.0.1"),
            (&[br#"for="192.0.2.60"#], "10.0.0.1"),
            (&[b"for=[2001:db8::1]"], "2001:db8::1"),
            (&[b"for"], "10.0.0.1"),
            // an unterminated quote left of the client is never read
            (&[br#"for="6.6.6.6, for=192.0.2.60"#], "192.0.2.60"),
        ] {
            let request = parts("10.0.0.1", "forwarded", values);
            assert_eq!(p.client(&request), Some(ip(client)), "{values:?}");
        }
    }

    #[test]
    fn long_chains_of_trusted_hops_stop_at_the_cap() {
        let p = proxies(ForwardedHeader::XForwardedFor, &["10.0.0.0/8"]);
        let chain = std::iter::once("192.0.2.1".to_owned())
            .chain((0..40).map(|i| format!("10.0.0.{i}")))
            .collect::<Vec<_>>()
            .join(", ");
        let request = parts("10.0.0.1", "x-forwarded-for", &[chain.as_bytes()]);
        let client = p.client(&request).unwrap();
        assert!(p.trusts(client), "{client}");
    }
}
