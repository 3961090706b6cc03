//! Colour capability of the terminal, and degrading true-colour themes to what it can show.
//! Everything here is a pure function of its arguments (the environment is read by the caller).

use ratatui::style::Color;

/// How many colours the terminal can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorCap {
    /// The 16 ANSI colours, whatever the terminal's palette makes of them.
    Ansi16,
    /// The xterm 256-colour palette (16 ANSI + 6×6×6 cube + 24 greys).
    Ansi256,
    /// 24-bit RGB.
    TrueColor,
}

impl ColorCap {
    pub fn label(self) -> &'static str {
        match self {
            ColorCap::Ansi16 => "16 colours",
            ColorCap::Ansi256 => "256 colours",
            ColorCap::TrueColor => "true colour",
        }
    }
}

/// Detects the capability from `COLORTERM`, `TERM` and whether we run inside tmux (`TMUX`).
///
/// - `COLORTERM=truecolor|24bit` or a `TERM` ending in `-direct`: true colour — except inside
///   tmux when `TERM` is a plain `screen`/`tmux` (no `256color`): that tmux passes 16 colours
///   whatever the outer terminal announced in `COLORTERM`.
/// - `TERM` containing `256color`: 256 colours.
/// - `TERM` of `xterm`, `screen*`/`tmux*` (without `256color`), `linux`, `vt*`, `ansi`,
///   `rxvt`, `cygwin`, `putty`, `dumb`, or ending in `-color`/`-16color`: 16 colours.
/// - anything else (e.g. `xterm-kitty`, `alacritty`, `foot`, `wezterm`): 256 colours; inside
///   tmux, or with no `TERM` at all: 16.
pub fn detect(colorterm: Option<&str>, term: Option<&str>, tmux: bool) -> ColorCap {
    let term = term.unwrap_or("").trim().to_ascii_lowercase();
    let colorterm = colorterm.unwrap_or("").trim().to_ascii_lowercase();
    let plain_mux = (term == "screen" || term == "tmux")
        || ((term.starts_with("screen") || term.starts_with("tmux")) && !term.contains("256"));
    if term.ends_with("-direct") {
        return ColorCap::TrueColor;
    }
    if (colorterm == "truecolor" || colorterm == "24bit") && !(tmux && plain_mux) {
        return ColorCap::TrueColor;
    }
    if term.contains("256color") {
        return ColorCap::Ansi256;
    }
    const SIXTEEN: [&str; 10] = [
        "xterm", "screen", "tmux", "linux", "vt", "ansi", "rxvt", "cygwin", "dumb", "putty",
    ];
    if term.is_empty()
        || plain_mux
        || SIXTEEN.contains(&term.as_str())
        || term.starts_with("vt")
        || ["-16color", "-color", "-88color", "-mono"]
            .iter()
            .any(|s| term.ends_with(s))
    {
        return ColorCap::Ansi16;
    }
    if tmux {
        ColorCap::Ansi16
    } else {
        ColorCap::Ansi256
    }
}

/// Reads the capability from this process's environment.
pub fn detect_env() -> ColorCap {
    let var = |k: &str| std::env::var(k).ok();
    detect(
        var("COLORTERM").as_deref(),
        var("TERM").as_deref(),
        std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()),
    )
}

/// A colour as the terminal can show it.
pub fn degrade(c: Color, cap: ColorCap) -> Color {
    match (cap, c) {
        (ColorCap::TrueColor, c) => c,
        (ColorCap::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(rgb_to_256(r, g, b)),
        (ColorCap::Ansi256, c) => c,
        (ColorCap::Ansi16, Color::Rgb(r, g, b)) => rgb_to_16(r, g, b),
        (ColorCap::Ansi16, Color::Indexed(i)) => {
            let (r, g, b) = indexed_to_rgb(i);
            if i < 16 {
                ansi16_of_index(i)
            } else {
                rgb_to_16(r, g, b)
            }
        }
        (ColorCap::Ansi16, c) => c,
    }
}

/// The six levels of each axis of the xterm colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// A colour written in a theme or config file: `#rrggbb` or an ANSI colour name (`reset` and
/// `default` are the terminal's own colour).
pub fn parse_color(s: &str) -> Option<Color> {
    if let Some(hex) = s.strip_prefix('#')
        && hex.len() == 6
    {
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Some(match s {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

fn nearest_level(v: u8) -> usize {
    (0..6)
        .min_by_key(|&i| (CUBE[i] as i32 - v as i32).abs())
        .expect("six levels")
}

fn dist2(a: (u8, u8, u8), b: (u8, u8, u8)) -> i32 {
    let d = |x: u8, y: u8| (x as i32 - y as i32).pow(2);
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

/// The nearest xterm 256-palette entry among the colour cube (16–231) and the grey ramp
/// (232–255: 8, 18, … 238). The 16 ANSI entries are never chosen: terminals redefine them.
pub fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    let avg = (r as i32 + g as i32 + b as i32) / 3;
    let grey_i = ((avg - 8 + 5) / 10).clamp(0, 23);
    let grey_v = (8 + 10 * grey_i) as u8;
    if dist2((r, g, b), (grey_v, grey_v, grey_v)) < dist2((r, g, b), cube) {
        (232 + grey_i) as u8
    } else {
        cube_index as u8
    }
}

/// The RGB value xterm uses for a 256-palette index.
pub fn indexed_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => XTERM16[i as usize],
        16..=231 => {
            let n = i - 16;
            (
                CUBE[(n / 36) as usize],
                CUBE[(n / 6 % 6) as usize],
                CUBE[(n % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// xterm's defaults for the 16 ANSI colours (only used to read indexed colours back).
const XTERM16: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

fn ansi16_of_index(i: u8) -> Color {
    [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ][i as usize & 15]
}

/// The nearest of the 16 ANSI colours by meaning rather than by raw distance (a soft red must
/// stay red, not become grey): weakly saturated colours map to black / dark grey / grey / white
/// by lightness; others to the hue's colour (red, yellow, green, cyan, blue, magenta), its
/// bright variant when the colour is light.
pub fn rgb_to_16(r: u8, g: u8, b: u8) -> Color {
    let max = r.max(g).max(b) as i32;
    let min = r.min(g).min(b) as i32;
    let chroma = max - min;
    let light = (max + min) / 2;
    if chroma < 32 || (light < 24) {
        return match light {
            0..=47 => Color::Black,
            48..=159 => Color::DarkGray,
            160..=223 => Color::Gray,
            _ => Color::White,
        };
    }
    let (r, g, b) = (r as i32, g as i32, b as i32);
    let c = chroma as f64;
    let hue = if max == r {
        60.0 * (((g - b) as f64 / c).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) as f64 / c + 2.0)
    } else {
        60.0 * ((r - g) as f64 / c + 4.0)
    };
    let bright = light >= 140;
    let pick = |dark: Color, lit: Color| if bright { lit } else { dark };
    match hue {
        h if !(20.0..330.0).contains(&h) => pick(Color::Red, Color::LightRed),
        h if h < 75.0 => pick(Color::Yellow, Color::LightYellow),
        h if h < 150.0 => pick(Color::Green, Color::LightGreen),
        h if h < 200.0 => pick(Color::Cyan, Color::LightCyan),
        h if h < 270.0 => pick(Color::Blue, Color::LightBlue),
        _ => pick(Color::Magenta, Color::LightMagenta),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_capability_from_the_environment() {
        use ColorCap::*;
        assert_eq!(
            detect(Some("truecolor"), Some("xterm-256color"), false),
            TrueColor
        );
        assert_eq!(detect(Some("24bit"), Some("xterm"), false), TrueColor);
        assert_eq!(detect(None, Some("xterm-direct"), false), TrueColor);
        assert_eq!(detect(None, Some("xterm-256color"), false), Ansi256);
        assert_eq!(detect(None, Some("screen-256color"), true), Ansi256);
        assert_eq!(detect(None, Some("tmux-256color"), true), Ansi256);
        assert_eq!(
            detect(Some("truecolor"), Some("tmux-256color"), true),
            TrueColor
        );
        // A plain screen/tmux TERM inside tmux: 16, whatever the outer COLORTERM says.
        assert_eq!(detect(Some("truecolor"), Some("screen"), true), Ansi16);
        assert_eq!(detect(None, Some("xterm"), false), Ansi16);
        assert_eq!(detect(None, Some("screen"), true), Ansi16);
        assert_eq!(detect(None, Some("linux"), false), Ansi16);
        assert_eq!(detect(None, Some("dumb"), false), Ansi16);
        assert_eq!(detect(None, Some("vt100"), false), Ansi16);
        assert_eq!(detect(None, None, false), Ansi16);
        assert_eq!(detect(None, Some("xterm-kitty"), false), Ansi256);
        assert_eq!(detect(None, Some("alacritty"), true), Ansi16);
    }

    #[test]
    fn rgb_to_256_known_values() {
        assert_eq!(rgb_to_256(0, 0, 0), 16);
        assert_eq!(rgb_to_256(255, 255, 255), 231);
        assert_eq!(rgb_to_256(255, 0, 0), 196);
        assert_eq!(rgb_to_256(0, 255, 0), 46);
        assert_eq!(rgb_to_256(0, 0, 255), 21);
        assert_eq!(rgb_to_256(0x5f, 0x87, 0xaf), 67);
        assert_eq!(rgb_to_256(0xff, 0xaf, 0x00), 214);
        // Greys go to the grey ramp.
        assert_eq!(rgb_to_256(128, 128, 128), 244);
        assert_eq!(rgb_to_256(0x30, 0x30, 0x30), 236);
        assert_eq!(rgb_to_256(0x21, 0x25, 0x2b), 235);
        assert_eq!(rgb_to_256(0xee, 0xee, 0xee), 255);
        // The default theme's soft red: r 224 -> 215, g 108 -> 95, b 117 -> 135.
        assert_eq!(rgb_to_256(0xe0, 0x6c, 0x75), 168);
        // Every cube entry maps to itself.
        for i in 16..=231u8 {
            let (r, g, b) = indexed_to_rgb(i);
            assert_eq!(rgb_to_256(r, g, b), i, "cube entry {i}");
        }
        for i in 232..=255u8 {
            let (r, g, b) = indexed_to_rgb(i);
            let j = rgb_to_256(r, g, b);
            assert_eq!(indexed_to_rgb(j), (r, g, b), "grey entry {i}");
        }
    }

    #[test]
    fn rgb_to_16_known_values() {
        assert_eq!(rgb_to_16(0, 0, 0), Color::Black);
        assert_eq!(rgb_to_16(255, 255, 255), Color::White);
        assert_eq!(rgb_to_16(128, 128, 128), Color::DarkGray);
        assert_eq!(rgb_to_16(200, 204, 212), Color::Gray);
        assert_eq!(rgb_to_16(205, 0, 0), Color::Red);
        assert_eq!(rgb_to_16(255, 85, 85), Color::LightRed);
        assert_eq!(rgb_to_16(0, 128, 0), Color::Green);
        assert_eq!(rgb_to_16(0, 0, 139), Color::Blue);
        assert_eq!(rgb_to_16(128, 0, 128), Color::Magenta);
        assert_eq!(rgb_to_16(0, 139, 139), Color::Cyan);
        assert_eq!(rgb_to_16(205, 205, 0), Color::Yellow);
        // The default theme's palette keeps its meanings.
        assert_eq!(rgb_to_16(0xe0, 0x6c, 0x75), Color::LightRed); // red
        assert_eq!(rgb_to_16(0x98, 0xc3, 0x79), Color::LightGreen); // green
        assert_eq!(rgb_to_16(0xe5, 0xc0, 0x7b), Color::LightYellow); // yellow
        assert_eq!(rgb_to_16(0xd1, 0x9a, 0x66), Color::LightYellow); // orange
        assert_eq!(rgb_to_16(0x61, 0xaf, 0xef), Color::LightBlue); // blue
        assert_eq!(rgb_to_16(0x56, 0xb6, 0xc2), Color::LightCyan); // cyan
        assert_eq!(rgb_to_16(0xc6, 0x78, 0xdd), Color::LightMagenta); // magenta
        assert_eq!(rgb_to_16(0x21, 0x25, 0x2b), Color::Black); // bar
        assert_eq!(rgb_to_16(0x7f, 0x84, 0x8e), Color::DarkGray); // muted
        assert_eq!(rgb_to_16(0x2c, 0x3a, 0x4f), Color::Blue); // selection
    }

    #[test]
    fn degrade_by_capability() {
        let c = Color::Rgb(255, 0, 0);
        assert_eq!(degrade(c, ColorCap::TrueColor), c);
        assert_eq!(degrade(c, ColorCap::Ansi256), Color::Indexed(196));
        assert_eq!(degrade(c, ColorCap::Ansi16), Color::Red);
        assert_eq!(degrade(Color::Indexed(196), ColorCap::Ansi16), Color::Red);
        assert_eq!(
            degrade(Color::Indexed(9), ColorCap::Ansi16),
            Color::LightRed
        );
        assert_eq!(degrade(Color::Blue, ColorCap::Ansi16), Color::Blue);
        assert_eq!(degrade(Color::Reset, ColorCap::Ansi256), Color::Reset);
    }
}
