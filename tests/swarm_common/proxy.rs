//! A TCP front for the test engine's unix socket, on 127.0.0.1. Stopping it is, for a client,
//! a daemon that went away (connections refused, open ones cut); starting it again on the same
//! port is the daemon coming back. A hook can run just before a service update request is
//! forwarded: a concurrent change that makes the client's version stale, deterministically.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, UnixStream};

pub type Hook = Arc<dyn Fn() + Send + Sync>;

pub struct Proxy {
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on 127.0.0.1:`port` (0: any free port) and forwards to `socket`.
    pub async fn start(socket: PathBuf, port: u16, hook: Option<Hook>) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let done = tokio::spawn(async move {
            // Dropping the set when the loop ends aborts every open connection.
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((mut client, _)) = accepted else { continue };
                        let socket = socket.clone();
                        let hook = hook.clone();
                        conns.spawn(async move {
                            let Ok(mut upstream) = UnixStream::connect(&socket).await else {
                                return;
                            };
                            let mut first = vec![0u8; 64 << 10];
                            let n = match client.read(&mut first).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            let head = String::from_utf8_lossy(&first[..n.min(512)]).to_string();
                            if let Some(hook) = hook
                                && head.starts_with("POST ")
                                && head.contains("/services/")
                                && head.contains("/update")
                            {
                                let _ = tokio::task::spawn_blocking(move || hook()).await;
                            }
                            if upstream.write_all(&first[..n]).await.is_err() {
                                return;
                            }
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        });
                    }
                }
            }
            conns.shutdown().await;
        });
        Proxy {
            port,
            stop: Some(tx),
            done,
        }
    }

    /// Stops listening and cuts every open connection.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.done).await;
    }
}
