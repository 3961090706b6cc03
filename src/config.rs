//! `$XDG_CONFIG_HOME/eos/config.toml` (or `--config FILE`): refresh intervals, the default
//! theme and keymap, read-only, and per-cluster overrides keyed by the cluster name the
//! scheduler reports. Parsing is pure (text in, values or an error naming file, line and key
//! out); which cluster applies is decided by the reducer when the name arrives (see
//! `State::apply_cluster_settings`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::Color;

/// The Thermos observer's task page, for the task detail's sandbox link.
pub const DEFAULT_OBSERVER_URL: &str = "http://{host}:1338/task/{task_id}";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The file it came from (`None`: no file).
    pub file: Option<PathBuf>,
    /// Seconds between refreshes of ordinary views.
    pub refresh: Option<f64>,
    /// Seconds between refreshes of an active update's detail view.
    pub update_refresh: Option<f64>,
    pub theme: Option<String>,
    pub keymap: Option<PathBuf>,
    pub read_only: Option<bool>,
    /// Capture the mouse (like `--mouse`).
    pub mouse: Option<bool>,
    /// Sandbox link template (`{host}`, `{task_id}`) for every cluster.
    pub observer_url: Option<String>,
    /// The zone timestamps are shown in (`"local"`, the default, or `"utc"`).
    pub timezone: Option<crate::timezone::TimeZone>,
    pub clusters: BTreeMap<String, ClusterConfig>,
}

/// `[clusters.NAME]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterConfig {
    pub theme: Option<String>,
    /// Header colour, so production is unmistakable.
    pub accent: Option<Color>,
    pub read_only: Option<bool>,
    /// Production: every mutation asks to type the job name; the header shows `PROD`.
    pub prod: Option<bool>,
    pub observer_url: Option<String>,
    /// Extra certificate authorities (PEM) for this cluster's https schedulers, when
    /// `--ca-cert` is not given. Relative paths are relative to the config file.
    pub ca_cert: Option<PathBuf>,
    /// A Docker Swarm instead of an Aurora scheduler: the Engine's URL (`unix:///…`,
    /// `tcp://HOST:PORT`), as for `--docker=URL`.
    pub docker: Option<String>,
}

/// The parsed configuration and the command-line flags that beat it: owned by `State`, so the
/// reducer can apply a cluster's overrides when its name arrives without doing any I/O.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub config: Config,
    /// `--read-only` was given: no cluster setting can lift it.
    pub read_only_flag: bool,
    /// `--theme` was given: cluster themes do not apply (accents still do).
    pub theme_flag: bool,
}

impl Settings {
    pub fn cluster(&self, name: Option<&str>) -> Option<&ClusterConfig> {
        self.config.clusters.get(name?)
    }
}

/// Fills a sandbox link template.
pub fn observer_link(template: &str, host: &str, task_id: &str) -> String {
    template
        .replace("{host}", host)
        .replace("{task_id}", task_id)
}

/// The 1-based line of `key` inside `[section]` (top level: `None`), found by reading the text;
/// `None` when it is written some other way (inline tables).
pub fn line_of(text: &str, section: Option<&str>, key: &str) -> Option<usize> {
    let mut current = String::new();
    let want = section.unwrap_or("");
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix('[') {
            let inner = rest.trim_start_matches('[');
            let inner = inner.split(']').next().unwrap_or("");
            current = inner
                .split('.')
                .map(|p| unquote(p.trim()))
                .collect::<Vec<_>>()
                .join(".");
            continue;
        }
        if current == want
            && let Some((k, _)) = t.split_once('=')
            && unquote(k.trim()) == key
        {
            return Some(i + 1);
        }
    }
    None
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

/// The line a TOML syntax error points at.
pub fn error_line(text: &str, e: &toml::de::Error) -> Option<usize> {
    let start = e.span()?.start.min(text.len());
    Some(text[..start].matches('\n').count() + 1)
}

/// Where a setting is: `FILE:LINE: KEY` (the line when it can be found).
fn at(file: &str, line: Option<usize>, key: &str) -> String {
    match line {
        Some(l) => format!("{file}:{l}: {key}"),
        None => format!("{file}: {key}"),
    }
}

/// Parses a config file's text. Errors name file, line and key; unknown keys become warnings.
pub fn parse(text: &str, file: &str) -> Result<(Config, Vec<String>), String> {
    let table: toml::Table =
        text.parse()
            .map_err(|e: toml::de::Error| match error_line(text, &e) {
                Some(l) => format!("{file}:{l}: syntax error: {}", e.message().trim()),
                None => format!("{file}: syntax error: {}", e.message().trim()),
            })?;
    let mut warnings = Vec::new();
    let mut cfg = Config {
        file: Some(PathBuf::from(file)),
        ..Config::default()
    };
    for (k, v) in &table {
        let line = line_of(text, None, k);
        let here = at(file, line, k);
        match k.as_str() {
            "refresh" => cfg.refresh = Some(seconds(v, &here)?),
            "update_refresh" => cfg.update_refresh = Some(seconds(v, &here)?),
            "theme" => cfg.theme = Some(string(v, &here)?),
            "keymap" => cfg.keymap = Some(PathBuf::from(string(v, &here)?)),
            "read_only" => cfg.read_only = Some(boolean(v, &here)?),
            "mouse" => cfg.mouse = Some(boolean(v, &here)?),
            "timezone" => {
                cfg.timezone = Some(
                    string(v, &here)?
                        .parse()
                        .map_err(|e| format!("{here}: {e}"))?,
                )
            }
            "observer_url" => {
                cfg.observer_url = Some(merge_observer(cfg.observer_url, url(v, &here)?, &here)?)
            }
            "observer_port" => {
                cfg.observer_url = Some(merge_observer(cfg.observer_url, port(v, &here)?, &here)?)
            }
            "clusters" => {
                let toml::Value::Table(clusters) = v else {
                    return Err(format!("{here}: must be a table of [clusters.NAME]"));
                };
                for (name, c) in clusters {
                    let cl = cluster(text, file, name, c, &mut warnings)?;
                    cfg.clusters.insert(name.clone(), cl);
                }
            }
            _ => warnings.push(format!("{here}: unknown key (ignored)")),
        }
    }
    // In file order (the table is read in key order).
    warnings.sort_by_key(|w| {
        w.strip_prefix(file)
            .and_then(|r| r.strip_prefix(':'))
            .and_then(|r| r.split(':').next()?.parse::<usize>().ok())
            .unwrap_or(usize::MAX)
    });
    Ok((cfg, warnings))
}

fn cluster(
    text: &str,
    file: &str,
    name: &str,
    v: &toml::Value,
    warnings: &mut Vec<String>,
) -> Result<ClusterConfig, String> {
    let section = format!("clusters.{name}");
    let outer = at(file, line_of(text, Some("clusters"), name), &section);
    let toml::Value::Table(t) = v else {
        return Err(format!("{outer}: must be a table"));
    };
    let mut c = ClusterConfig::default();
    for (k, v) in t {
        let line =
            line_of(text, Some(&section), k).or_else(|| line_of(text, Some("clusters"), name));
        let here = at(file, line, &format!("{section}.{k}"));
        match k.as_str() {
            "theme" => c.theme = Some(string(v, &here)?),
            "accent" => {
                let s = string(v, &here)?;
                c.accent = Some(
                    crate::theme::parse_color(&s, &Default::default())
                        .filter(|c| *c != Color::Reset)
                        .ok_or(format!(
                            "{here}: not a colour: {s:?} (use #rrggbb or an ANSI colour name)"
                        ))?,
                );
            }
            "read_only" => c.read_only = Some(boolean(v, &here)?),
            "docker" => c.docker = Some(string(v, &here)?),
            "prod" => c.prod = Some(boolean(v, &here)?),
            "ca_cert" => {
                let p = PathBuf::from(string(v, &here)?);
                c.ca_cert = Some(match Path::new(file).parent() {
                    Some(dir) if p.is_relative() => dir.join(p),
                    _ => p,
                });
            }
            "observer_url" => {
                c.observer_url = Some(merge_observer(c.observer_url, url(v, &here)?, &here)?)
            }
            "observer_port" => {
                c.observer_url = Some(merge_observer(c.observer_url, port(v, &here)?, &here)?)
            }
            _ => warnings.push(format!("{here}: unknown key (ignored)")),
        }
    }
    Ok(c)
}

fn merge_observer(old: Option<String>, new: String, here: &str) -> Result<String, String> {
    match old {
        Some(_) => Err(format!(
            "{here}: give observer_url or observer_port, not both"
        )),
        None => Ok(new),
    }
}

fn string(v: &toml::Value, here: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or(format!("{here}: expected a string, found {}", v.type_str()))
}

fn boolean(v: &toml::Value, here: &str) -> Result<bool, String> {
    v.as_bool().ok_or(format!(
        "{here}: expected true or false, found {}",
        v.type_str()
    ))
}

fn seconds(v: &toml::Value, here: &str) -> Result<f64, String> {
    let s = match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        other => {
            return Err(format!(
                "{here}: expected a number of seconds, found {}",
                other.type_str()
            ));
        }
    };
    if s.is_finite() && s >= 0.5 {
        Ok(s)
    } else {
        Err(format!("{here}: must be at least 0.5 seconds"))
    }
}

fn url(v: &toml::Value, here: &str) -> Result<String, String> {
    let s = string(v, here)?;
    let rest = s.replace("{host}", "").replace("{task_id}", "");
    if rest.contains('{') || rest.contains('}') {
        return Err(format!(
            "{here}: unknown placeholder in {s:?} (only {{host}} and {{task_id}})"
        ));
    }
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return Err(format!("{here}: must start with http:// or https://"));
    }
    Ok(s)
}

fn port(v: &toml::Value, here: &str) -> Result<String, String> {
    match v.as_integer() {
        Some(p) if (1..=65535).contains(&p) => Ok(format!("http://{{host}}:{p}/task/{{task_id}}")),
        _ => Err(format!("{here}: expected a port number (1-65535)")),
    }
}

/// Reads the config: `explicit` (`--config FILE`, which must exist), else
/// `CONFIG_DIR/config.toml` when it exists, else nothing.
pub fn load(
    explicit: Option<&Path>,
    config_dir: Option<&Path>,
) -> Result<(Config, Vec<String>), String> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => match config_dir.map(|d| d.join("config.toml")) {
            Some(p) if p.exists() => p,
            _ => return Ok((Config::default(), Vec::new())),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"
refresh = 3
update_refresh = 1.0
theme = "light"
read_only = false
mouse = true
timezone = "utc"

[clusters.prod-east]
accent = "red"
prod = true
theme = "high-contrast"
observer_port = 8338

[clusters."devcluster"]
read_only = true
accent = "#ff8800"
"##;

    #[test]
    fn parses_every_setting() {
        let (c, w) = parse(GOOD, "c.toml").unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.refresh, Some(3.0));
        assert_eq!(c.update_refresh, Some(1.0));
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.mouse, Some(true));
        assert_eq!(c.timezone, Some(crate::timezone::TimeZone::Utc));
        let e = parse("timezone = \"mars\"\n", "c.toml").unwrap_err();
        assert!(
            e.starts_with("c.toml:1: timezone: not a time zone setting"),
            "{e}"
        );
        let p = &c.clusters["prod-east"];
        assert_eq!(p.accent, Some(Color::Red));
        assert_eq!(p.prod, Some(true));
        assert_eq!(
            p.observer_url.as_deref(),
            Some("http://{host}:8338/task/{task_id}")
        );
        assert_eq!(
            c.clusters["devcluster"].accent,
            Some(Color::Rgb(255, 0x88, 0))
        );
        assert_eq!(c.clusters["devcluster"].read_only, Some(true));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse("refresh = 5\ntheme = 3\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml:2: theme: expected a string, found integer");
        let e = parse("[clusters.a]\nprod = true\naccent = \"redish\"\n", "c.toml").unwrap_err();
        assert!(
            e.starts_with("c.toml:3: clusters.a.accent: not a colour"),
            "{e}"
        );
        let e = parse("refresh = 5\n[clusters\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:2: syntax error"), "{e}");
        let e = parse("refresh = 0.1\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:1: refresh: must be at least"), "{e}");
        let e = parse("observer_url = \"http://{host}/{id}\"\n", "c.toml").unwrap_err();
        assert!(e.contains("unknown placeholder"), "{e}");
    }

    #[test]
    fn unknown_keys_warn_with_file_line_and_key() {
        let (_, w) = parse("refesh = 5\n\n[clusters.a]\nprd = true\n", "c.toml").unwrap();
        assert_eq!(
            w,
            vec![
                "c.toml:1: refesh: unknown key (ignored)".to_owned(),
                "c.toml:4: clusters.a.prd: unknown key (ignored)".to_owned(),
            ]
        );
    }

    #[test]
    fn observer_link_fills_the_template() {
        assert_eq!(
            observer_link(DEFAULT_OBSERVER_URL, "h1", "t-1"),
            "http://h1:1338/task/t-1"
        );
    }
}
