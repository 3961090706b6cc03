//! `eos keys`: the effective keymap.

use super::{ConsoleArgs, KeysArgs, config_dir, fail};

/// `eos keys`: the effective keymap, per layer or as the README's Markdown table.
pub fn run(console: &ConsoleArgs, args: &KeysArgs) -> i32 {
    // The effective keymap includes the config file's `keymap`.
    let config = match crate::config::load(console.config.as_deref(), config_dir().as_deref()) {
        Ok((c, _)) => c,
        Err(e) => return fail(e),
    };
    match console.keymap(config.keymap.as_deref()) {
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
