//! Free loopback ports for servers under test.
//!
//! A port is found by binding `127.0.0.1:0` and reading what the kernel chose, then released
//! for the server to bind. The server binds `port + 10000` too in cluster mode (the cluster
//! bus), so that port must be free as well. Ports handed out are remembered for the life of
//! the process, so tests running in parallel in one binary never get the same port; another
//! process can still take it between our check and the server's bind, which the caller
//! handles by retrying ([`crate::Server`] does).

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Mutex, PoisonError};

use anyhow::bail;

/// Offset of the cluster bus port from the client port (Redis's default `cluster-port 0`).
pub(crate) const CLUSTER_BUS_OFFSET: u16 = 10000;

/// Every port this process has handed out.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port that is free now, whose cluster bus port is free too, and that this process has not
/// handed out before.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    const ATTEMPTS: usize = 200;
    for _ in 0..ATTEMPTS {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let Some(bus_port) = port.checked_add(CLUSTER_BUS_OFFSET) else {
            continue;
        };
        if TcpListener::bind((Ipv4Addr::LOCALHOST, bus_port)).is_err() {
            continue;
        }
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(PoisonError::into_inner);
        if handed_out.get_or_insert_with(HashSet::new).insert(port) {
            return Ok(port);
        }
    }
    bail!("no free loopback port pair (port, port+{CLUSTER_BUS_OFFSET}) in {ATTEMPTS} attempts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_never_handed_out_twice_and_are_bindable() {
        let ports: Vec<u16> = (0..20).map(|_| free_port().unwrap()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        for port in ports {
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
            TcpListener::bind((Ipv4Addr::LOCALHOST, port + CLUSTER_BUS_OFFSET)).unwrap();
        }
    }
}
