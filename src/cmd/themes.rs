//! `eos themes`: the built-in and user themes, and the colours this terminal can show.

use super::ConsoleArgs;
use super::config_dir;
use super::console::no_color;

/// `eos themes`: every theme with its source and colours, and what this terminal shows.
pub fn run(console: &ConsoleArgs) -> i32 {
    let user_dir = config_dir().map(|d| d.join("themes"));
    let list = crate::theme::list(user_dir.as_deref());
    let width = list.iter().map(|i| i.name.len()).max().unwrap_or(4).max(4);
    println!("{:<width$}  {:<11}  SOURCE", "NAME", "COLOURS");
    let mut bad = false;
    for i in &list {
        let colours = match &i.palette {
            Ok(p) => p.label().to_owned(),
            Err(_) => {
                bad = true;
                "invalid".to_owned()
            }
        };
        println!("{:<width$}  {colours:<11}  {}", i.name, i.source);
        if let Err(e) = &i.palette {
            println!("{:<width$}  ({e})", "");
        }
    }
    let cap = crate::color::detect_env();
    let chosen = console.theme.clone().unwrap_or_else(|| {
        if no_color() {
            "mono (NO_COLOR)".into()
        } else {
            "default".into()
        }
    });
    println!();
    println!(
        "terminal: {} (TERM, COLORTERM, TMUX); theme: {chosen}",
        cap.label()
    );
    if bad { 1 } else { 0 }
}
