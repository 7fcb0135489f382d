//! [`Client`]: a small blocking RESP client over one TCP connection, for tests.
//!
//! Every read and write has a timeout ([`Client::DEFAULT_TIMEOUT`] unless changed), so a server
//! that hangs fails the test with an error instead of hanging it. Replies are read with
//! [`Frame::check`] and can be had either parsed ([`Frame`]) or as the exact bytes the server
//! sent (for byte-for-byte comparisons with Redis).

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use bytes::{Bytes, BytesMut};
use resp::Frame;

/// One connection to a server on 127.0.0.1.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    /// Bytes read from the socket and not yet returned as a reply.
    unread: BytesMut,
}

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// `args` as one RESP multibulk command (`*n\r\n$len\r\narg\r\n...`).
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(16 + args.iter().map(|a| a.as_ref().len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Client {
    /// The read/write timeout of a new connection.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> anyhow::Result<Client> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .with_context(|| format!("connecting to 127.0.0.1:{port}"))?;
        stream.set_nodelay(true)?;
        let client = Client {
            stream,
            unread: BytesMut::new(),
        };
        client.set_timeout(Client::DEFAULT_TIMEOUT)?;
        Ok(client)
    }

    /// Sets the read and write timeout.
    pub fn set_timeout(&self, timeout: Duration) -> anyhow::Result<()> {
        self.stream.set_read_timeout(Some(timeout))?;
        self.stream.set_write_timeout(Some(timeout))?;
        Ok(())
    }

    /// Sends one command and reads its reply.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> anyhow::Result<Frame> {
        self.send_raw(&encode_command(args))?;
        self.read_frame()
            .with_context(|| format!("reply to {}", describe(args)))
    }

    /// Sends one command and returns its reply exactly as the server sent it.
    pub fn cmd_raw<A: AsRef<[u8]>>(&mut self, args: &[A]) -> anyhow::Result<Bytes> {
        self.send_raw(&encode_command(args))?;
        self.read_raw()
            .with_context(|| format!("reply to {}", describe(args)))
    }

    /// Writes `bytes` as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.stream
            .write_all(bytes)
            .with_context(|| format!("writing {} bytes", bytes.len()))
    }

    /// Reads one reply.
    pub fn read_frame(&mut self) -> anyhow::Result<Frame> {
        self.fill_until_whole_frame()?;
        Frame::parse(&mut self.unread)?.ok_or_else(|| anyhow!("frame vanished from the buffer"))
    }

    /// Reads one reply and returns its exact bytes.
    pub fn read_raw(&mut self) -> anyhow::Result<Bytes> {
        let len = self.fill_until_whole_frame()?;
        Ok(self.unread.split_to(len).freeze())
    }

    /// Sends all `commands` with one write (from a second thread, so that neither side can
    /// block the other on full socket buffers) and reads their replies in order.
    pub fn pipeline<C, A>(&mut self, commands: &[C]) -> anyhow::Result<Vec<Frame>>
    where
        C: AsRef<[A]>,
        A: AsRef<[u8]>,
    {
        let mut request = Vec::new();
        for command in commands {
            request.extend_from_slice(&encode_command(command.as_ref()));
        }
        let mut writer = self.stream.try_clone()?;
        std::thread::scope(|scope| {
            let write = scope.spawn(move || writer.write_all(&request));
            let replies = (0..commands.len())
                .map(|index| {
                    self.read_frame().with_context(|| {
                        format!("reply {index} of a pipeline of {}", commands.len())
                    })
                })
                .collect::<anyhow::Result<Vec<Frame>>>();
            let written = write
                .join()
                .map_err(|_| anyhow!("pipeline writer thread panicked"))?;
            written.context("writing the pipeline")?;
            replies
        })
    }

    /// Reads until the server closes the connection (EOF or reset) and returns every byte
    /// received and not yet read as a reply. Fails if the connection is still open when the
    /// timeout expires.
    pub fn read_until_closed(&mut self) -> anyhow::Result<Bytes> {
        loop {
            match self.read_some() {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => {
                    return Err(timeout_or(e)).context(format!(
                        "waiting for the server to close the connection ({} bytes received)",
                        self.unread.len()
                    ));
                }
            }
        }
        Ok(self.unread.split().freeze())
    }

    /// Reads from the socket until `unread` starts with a whole frame; returns its length.
    fn fill_until_whole_frame(&mut self) -> anyhow::Result<usize> {
        loop {
            if let Some(len) = Frame::check(&self.unread).with_context(|| {
                format!(
                    "unparseable reply bytes: {:?}",
                    String::from_utf8_lossy(&self.unread[..self.unread.len().min(200)])
                )
            })? {
                return Ok(len);
            }
            match self.read_some() {
                Ok(0) => bail!(
                    "connection closed by the server with {} bytes of an incomplete reply: {:?}",
                    self.unread.len(),
                    String::from_utf8_lossy(&self.unread[..self.unread.len().min(200)])
                ),
                Ok(_) => {}
                Err(e) => return Err(timeout_or(e)).context("reading a reply"),
            }
        }
    }

    /// One `read` into `unread`.
    fn read_some(&mut self) -> std::io::Result<usize> {
        let start = self.unread.len();
        self.unread.resize(start + READ_CHUNK, 0);
        let result = loop {
            match self.stream.read(&mut self.unread[start..]) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.unread.truncate(start + *result.as_ref().unwrap_or(&0));
        result
    }
}

/// A socket timeout (which Linux reports as `WouldBlock`) named as such.
fn timeout_or(error: std::io::Error) -> anyhow::Error {
    match error.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => anyhow!("timed out: {error}"),
        _ => error.into(),
    }
}

/// The command as text for error messages, shortened.
fn describe<A: AsRef<[u8]>>(args: &[A]) -> String {
    const SHOWN: usize = 6;
    let mut text: Vec<String> = args
        .iter()
        .take(SHOWN)
        .map(|arg| {
            let arg = arg.as_ref();
            String::from_utf8_lossy(&arg[..arg.len().min(40)]).into_owned()
        })
        .collect();
    if args.len() > SHOWN {
        text.push(format!("... ({} args)", args.len()));
    }
    text.join(" ")
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn encodes_multibulk() {
        assert_eq!(
            encode_command(&["SET", "k", ""]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
        );
    }

    /// A one-connection fake server: reads `expect` bytes, answers `reply`, then closes.
    fn fake_server(expect: usize, reply: &'static [u8]) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = vec![0; expect];
            socket.read_exact(&mut request).unwrap();
            // Split the reply to exercise reassembly.
            let (head, tail) = reply.split_at(reply.len() / 2);
            socket.write_all(head).unwrap();
            socket.flush().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            socket.write_all(tail).unwrap();
            request
        });
        (port, handle)
    }

    #[test]
    fn reads_split_replies_raw_and_parsed() {
        let command = encode_command(&["GET", "k"]);
        let (port, server) = fake_server(2 * command.len(), b"$3\r\nabc\r\n:7\r\n");
        let mut client = Client::connect(port).unwrap();
        let replies = client.pipeline(&[["GET", "k"], ["GET", "k"]]);
        // The fake sends two replies in one stream: the first is a bulk, the second an integer.
        assert_eq!(
            replies.unwrap(),
            vec![Frame::Bulk(Bytes::from_static(b"abc")), Frame::Integer(7)]
        );
        assert_eq!(server.join().unwrap(), [command.clone(), command].concat());
        assert!(client.read_until_closed().unwrap().is_empty());
    }

    #[test]
    fn raw_reply_keeps_exact_bytes_and_close_is_reported() {
        let command = encode_command(&["PING"]);
        let (port, server) = fake_server(command.len(), b"+PONG\r\n-ERR x\r\n");
        let mut client = Client::connect(port).unwrap();
        assert_eq!(client.cmd_raw(&["PING"]).unwrap(), &b"+PONG\r\n"[..]);
        server.join().unwrap();
        assert_eq!(client.read_until_closed().unwrap(), &b"-ERR x\r\n"[..]);
        let error = client.read_frame().unwrap_err();
        assert!(error.to_string().contains("connection closed"), "{error:#}");
    }

    #[test]
    fn a_silent_server_is_a_timeout_error_not_a_hang() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut client = Client::connect(port).unwrap();
        client.set_timeout(Duration::from_millis(50)).unwrap();
        let error = client.cmd(&["PING"]).unwrap_err();
        assert!(format!("{error:#}").contains("timed out"), "{error:#}");
        drop(listener);
    }
}
