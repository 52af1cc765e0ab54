//! Framed JSON-RPC over stdin and stdout, on two threads. Like lsp-server's
//! own stdio transport, except that a malformed message is skipped with a
//! note on stderr instead of ending the session, and that a message longer
//! than any editor sends is skipped rather than allocated.

use std::io::{self, BufRead, Read};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};

/// A `didOpen` of the largest source file hplc reads, escaped as JSON.
const MAX_MESSAGE_BYTES: u64 = 8 * crate::syntax::MAX_FILE_BYTES as u64;
const MAX_HEADER_BYTES: u64 = 4096;

pub struct Threads {
    writer: JoinHandle<()>,
}

impl Threads {
    /// Waits until every message sent has been written.
    pub fn join(self) {
        let _ = self.writer.join();
    }
}

/// The server's end of a connection over stdio. The reader thread ends at
/// the end of input or after `exit`; the writer when the server's sender
/// is dropped.
pub fn stdio() -> io::Result<(Connection, Threads)> {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    std::thread::Builder::new()
        .name("hplc-lsp-reader".into())
        .spawn(move || {
            let mut input = io::stdin().lock();
            while let Some(message) = read(&mut input) {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_server.send(message).is_err() || exit {
                    break;
                }
            }
        })?;
    let writer = std::thread::Builder::new()
        .name("hplc-lsp-writer".into())
        .spawn(move || {
            let mut output = io::stdout().lock();
            for message in from_server {
                if message.write(&mut output).is_err() {
                    break;
                }
            }
        })?;
    Ok((server, Threads { writer }))
}

/// The next well-formed message; `None` at the end of input or when the
/// input cannot be read.
pub fn read(input: &mut impl BufRead) -> Option<Message> {
    loop {
        match frame(input) {
            Ok(Some(body)) => match serde_json::from_slice(&body) {
                Ok(message) => return Some(message),
                Err(error) => {
                    eprintln!("hplc lsp: skipped a message that is not JSON-RPC: {error}")
                }
            },
            Ok(None) => continue,
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return None,
            Err(error) => {
                eprintln!("hplc lsp: cannot read the input: {error}");
                return None;
            }
        }
    }
}

/// One frame's body; `Ok(None)` for a frame that was skipped.
fn frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length: Option<u64> = None;
    loop {
        let mut line = String::new();
        let read = input.by_ref().take(MAX_HEADER_BYTES).read_line(&mut line)?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length else {
        eprintln!("hplc lsp: skipped a message without a valid Content-Length");
        return Ok(None);
    };
    if length > MAX_MESSAGE_BYTES {
        eprintln!("hplc lsp: skipped a message of {length} bytes (at most {MAX_MESSAGE_BYTES})");
        io::copy(&mut input.by_ref().take(length), &mut io::sink())?;
        return Ok(None);
    }
    let mut body = Vec::with_capacity(length as usize);
    input.by_ref().take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_what_is_malformed_and_reads_on() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input =
            format!("Content-Length: 5\r\n\r\nnot{{}}Content-Length: x\r\n\r\nContent-Length: {}\r\n\r\n{good}", good.len());
        let mut reader = io::Cursor::new(input.into_bytes());
        let message = read(&mut reader);
        assert!(matches!(message, Some(Message::Notification(n)) if n.method == "initialized"));
        assert!(read(&mut reader).is_none());
    }

    #[test]
    fn does_not_allocate_what_a_header_claims() {
        let mut reader = io::Cursor::new(b"Content-Length: 99999999999999\r\n\r\n{}".to_vec());
        assert!(read(&mut reader).is_none());
    }
}
