//! Rate limits: a token bucket per client address (requests without a key) and per API key
//! (`governor`'s GCRA, which behaves as a bucket refilled evenly over a minute). Limits are
//! kept in this process: with several replicas, each allows its configured rate.
//!
//! Every answer carries the IETF `RateLimit-Policy` and `RateLimit` headers
//! (draft-ietf-httpapi-ratelimit-headers); a refusal is 429 with `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::catalog::principal::Principal;
use crate::config::Limits;

type Keyed<K> = RateLimiter<K, DashMapStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// Who a limit counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// A caller without a key, by address (IPv6 by its /64 network, which one host
    /// usually holds whole).
    Address(IpAddr),
    /// A caller with a key, by key id.
    Key(i32),
}

impl Client {
    /// The client `principal` is, calling from `address`.
    pub fn of(principal: &Principal, address: IpAddr) -> Self {
        match principal {
            Principal::Key(key) => Self::Key(key.key_id),
            Principal::Anonymous => Self::Address(network(address)),
        }
    }
}

/// The address a limit counts `address` under: itself for IPv4 (and IPv4-mapped IPv6),
/// its /64 network for IPv6, which one host usually holds whole.
pub fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
        v4 => v4,
    }
}

/// One limit: its policy name, its rate per minute and its buckets.
struct Limit {
    policy: &'static str,
    per_minute: u32,
    buckets: Keyed<Client>,
}

/// The server's rate limits.
pub struct RateLimits {
    anonymous: Option<Limit>,
    key: Option<Limit>,
    checks: AtomicU64,
}

/// What a limit said about one request.
pub struct Verdict {
    /// The headers to answer with (`RateLimit-Policy`, `RateLimit`, and `Retry-After`
    /// when refused).
    pub headers: HeaderMap,
    /// When refused: how many seconds to wait.
    pub retry_after: Option<u64>,
}

impl RateLimits {
    /// The limits `limits` configures (a rate of 0 is no limit).
    pub fn new(limits: &Limits) -> Self {
        let limit = |policy, per_minute: u32| {
            NonZeroU32::new(per_minute).map(|burst| Limit {
                policy,
                per_minute,
                buckets: RateLimiter::dashmap(Quota::per_minute(burst))
                    .with_middleware::<StateInformationMiddleware>(),
            })
        };
        Self {
            anonymous: limit("anonymous", limits.rate_limit_anonymous),
            key: limit("key", limits.rate_limit_key),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one token from `client`'s bucket, if it has a limit.
    pub fn check(&self, client: Client) -> Option<Verdict> {
        let limit = match client {
            Client::Address(_) => self.anonymous.as_ref()?,
            Client::Key(_) => self.key.as_ref()?,
        };
        // Buckets that have refilled are dropped now and then, so memory stays bounded by
        // the clients of the last minute.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            limit.buckets.retain_recent();
        }
        let per_token = 60.0 / f64::from(limit.per_minute);
        let mut headers = HeaderMap::new();
        let mut set = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        };
        set(
            "ratelimit-policy",
            format!("\"{}\";q={};w=60", limit.policy, limit.per_minute),
        );
        match limit.buckets.check_key(&client) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let refill = (f64::from(limit.per_minute - remaining) * per_token).ceil();
                set(
                    "ratelimit",
                    format!("\"{}\";r={remaining};t={refill}", limit.policy),
                );
                Some(Verdict {
                    headers,
                    retry_after: None,
                })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limit.buckets.clock().now());
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                let seconds = seconds.max(1);
                set("ratelimit", format!("\"{}\";r=0;t={seconds}", limit.policy));
                set("retry-after", seconds.to_string());
                Some(Verdict {
                    headers,
                    retry_after: Some(seconds),
                })
            }
        }
    }
}

/// The address of the client behind a request: the last entry of the trusted proxy header
/// when one is configured and present, else the connection's peer.
pub fn client_address(headers: &HeaderMap, peer: IpAddr, trusted_header: Option<&str>) -> IpAddr {
    trusted_header
        .and_then(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::network;

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let a = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(other));
        let mapped = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(
            network(mapped),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap()
        );
    }
}
