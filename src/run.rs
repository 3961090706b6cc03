//! Starting the console: against a scheduler, or on a simulated cluster in this process.

use std::sync::Arc;

use crate::app::Nav;
use crate::aurora::client::{AuroraClient, ClientConfig};
use crate::cli::{ConnectArgs, ConsoleArgs};
use crate::console::{self, ConsoleOptions};
use crate::effects::{Clock, wall_clock};
use crate::sim::{SimArgs, SimServer, Simulator};
use crate::theme::Theme;

fn fail(e: impl std::fmt::Display) -> i32 {
    eprintln!("eos: {e}");
    1
}

fn options(console: &ConsoleArgs, clock: Clock) -> Result<ConsoleOptions, String> {
    Ok(ConsoleOptions {
        clock,
        keymap: console.keymap()?,
        theme: Theme::builtin(),
        start: Nav::Roles,
        refresh_ms: console.refresh_ms()?,
        read_only: console.read_only,
        audit: crate::audit::default_path(),
    })
}

fn interactive() -> Result<(), String> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err("the console needs a terminal (for scripts, use `eos get …`)".into())
    }
}

async fn open(client: AuroraClient, opts: ConsoleOptions) -> i32 {
    match console::run(client, opts).await {
        Ok(()) => 0,
        Err(e) => fail(format!("terminal error: {e}")),
    }
}

/// `eos keys`: the effective keymap, per layer or as the README's Markdown table.
pub fn keys(console: &ConsoleArgs, args: &crate::cli::KeysArgs) -> i32 {
    match console.keymap() {
        Ok(k) => {
            let text = if args.markdown {
                crate::keymap::print::markdown(&k)
            } else {
                crate::keymap::print::listing(&k)
            };
            print!("{text}");
            0
        }
        Err(e) => fail(e),
    }
}

/// `eos --scheduler URL`: the console on a real scheduler.
pub async fn console(conn: &ConnectArgs, console: &ConsoleArgs) -> i32 {
    let setup = (|| {
        // A bad keymap is reported before anything else, the screen included.
        console.keymap()?;
        interactive()?;
        let cfg = conn.client_config()?;
        let client = AuroraClient::new(cfg).map_err(|e| e.to_string())?;
        Ok::<_, String>((client, options(console, wall_clock())?))
    })();
    match setup {
        Ok((client, opts)) => open(client, opts).await,
        Err(e) => fail(e),
    }
}

/// `eos demo`: a simulated cluster on an ephemeral loopback port, and the console on it.
pub async fn demo(conn: &ConnectArgs, console: &ConsoleArgs, sim: SimArgs) -> i32 {
    if let Err(e) = console.keymap().map(drop).and_then(|()| interactive()) {
        return fail(e);
    }
    let simulator = Simulator::new(&sim);
    let server =
        match SimServer::start(simulator.clone(), "127.0.0.1:0".parse().expect("valid")).await {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot start the simulator: {e}")),
        };
    let mut cfg = ClientConfig::new(server.url());
    cfg.protocol = conn.protocol;
    if let Some((user, password)) = sim.auth.as_deref().and_then(|a| a.split_once(':')) {
        cfg.credentials = Some(crate::aurora::credentials::Credentials::new(
            user,
            password,
            crate::aurora::credentials::CredentialSource::Given,
        ));
    }
    let clock: Clock = {
        let s = simulator.clone();
        Arc::new(move || s.now_ms())
    };
    let code = match (AuroraClient::new(cfg), options(console, clock)) {
        (Ok(client), Ok(opts)) => open(client, opts).await,
        (Err(e), _) => fail(e),
        (_, Err(e)) => fail(e),
    };
    server.shutdown().await;
    code
}
