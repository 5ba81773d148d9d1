//! The stdio transport: lsp-server's framing (`Message::read`/`write`).
//! Messages are read on a thread of our own: lsp-server's `Connection::stdio`
//! ends its reader at the first payload that is not a JSON-RPC message,
//! which would end the server; here such a payload is skipped (its whole
//! body was read, so the stream stays in step) and reported on stderr.
//! They are written by the main loop to the stdout the command line holds
//! (locked for the whole run by `main`), never from another thread.

use std::io::{self, BufRead, Write};

use crossbeam_channel::{Receiver, Sender, bounded};
use lsp_server::Message;

/// Reads the process's stdin on a thread; the messages arrive on the receiver.
pub(super) fn stdin_reader() -> io::Result<Receiver<Message>> {
    let (incoming, from_client) = bounded::<Message>(16);
    // Not joined: it may wait on stdin after `exit` until the process ends.
    std::thread::Builder::new().name("rpclint-lsp-reader".into()).spawn(move || {
        let stdin = io::stdin();
        read_all(&mut stdin.lock(), &incoming);
    })?;
    Ok(from_client)
}

/// Writes one message (and flushes).
pub(super) fn write(out: &mut dyn Write, message: &Message) -> io::Result<()> {
    message.write(&mut &mut *out)
}

/// Reads messages until end of input, the `exit` notification, or the
/// server no longer listening. A malformed header or body is skipped.
#[allow(clippy::print_stderr)]
pub(super) fn read_all(input: &mut impl BufRead, incoming: &Sender<Message>) {
    loop {
        match Message::read(input) {
            Ok(Some(message)) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if incoming.send(message).is_err() || exit {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                eprintln!("rpclint server: skipped a malformed message: {}", shorten(&e.to_string()));
            }
            Err(_) => return,
        }
    }
}

/// The start of a long error text (a malformed payload is quoted whole).
fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::unbounded;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn a_malformed_message_is_skipped_and_the_next_one_read() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let text = format!("{}{}{}", framed("{not json"), framed(r#"{"jsonrpc":"2.0","foo":1}"#), framed(good));
        let (tx, rx) = unbounded();
        read_all(&mut io::Cursor::new(text.into_bytes()), &tx);
        let got: Vec<Message> = rx.try_iter().collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], Message::Request(r) if r.method == "shutdown"));
    }

    #[test]
    fn a_header_without_its_line_end_is_skipped_until_a_good_header() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let text = format!("garbage\n{}", framed(good));
        let (tx, rx) = unbounded();
        read_all(&mut io::Cursor::new(text.into_bytes()), &tx);
        assert_eq!(rx.try_iter().count(), 1);
    }
}
