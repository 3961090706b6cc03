//! `$XDG_CONFIG_HOME/eos/config.toml` (or `--config FILE`): refresh intervals, the default
//! theme and keymap, read-only, and per-cluster overrides keyed by the cluster name the
//! scheduler reports. Parsing is pure (text in, values or an error naming file, line and key
//! out); which cluster applies is decided by the reducer when the name arrives (see
//! `State::apply_cluster_settings`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::Color;
use toml::de::DeValue;

pub use crate::tomlfile::ConfigError;
use crate::tomlfile::{self, Doc};

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
    /// `[logs]`: how much a log pane holds.
    pub logs: LogsConfig,
    pub clusters: BTreeMap<String, ClusterConfig>,
}

/// `[logs]`: the bounds on one log pane (oldest lines are dropped beyond them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogsConfig {
    /// At most this many lines (default 20,000).
    pub max_lines: Option<usize>,
    /// At most about this many MiB of text (default 16).
    pub max_mb: Option<usize>,
}

impl LogsConfig {
    /// The limits a pane gets: the file's, else the defaults.
    pub fn limits(&self) -> crate::observer::buffer::Limits {
        let d = crate::observer::buffer::Limits::default();
        crate::observer::buffer::Limits {
            max_lines: self.max_lines.unwrap_or(d.max_lines),
            max_bytes: self.max_mb.map_or(d.max_bytes, |mb| mb << 20),
        }
    }
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

/// Parses a config file's text. Errors name file, line and key; unknown keys become warnings
/// (in file order).
pub fn parse(text: &str, file: &str) -> Result<(Config, Vec<String>), ConfigError> {
    let doc = Doc::parse(text, file)?;
    let mut warnings = Vec::new();
    let mut cfg = Config {
        file: Some(PathBuf::from(file)),
        ..Config::default()
    };
    for (k, v) in tomlfile::entries(doc.root()) {
        let here = Here {
            doc: &doc,
            span: k.span(),
            key: tomlfile::path("", k.get_ref()),
        };
        let v = v.get_ref();
        match k.get_ref().as_ref() {
            "refresh" => cfg.refresh = Some(here.seconds(v)?),
            "update_refresh" => cfg.update_refresh = Some(here.seconds(v)?),
            "theme" => cfg.theme = Some(here.string(v)?),
            "keymap" => cfg.keymap = Some(PathBuf::from(here.string(v)?)),
            "read_only" => cfg.read_only = Some(here.boolean(v)?),
            "mouse" => cfg.mouse = Some(here.boolean(v)?),
            "timezone" => cfg.timezone = Some(here.string(v)?.parse().map_err(|e| here.err(e))?),
            "observer_url" => {
                let url = here.url(v)?;
                cfg.observer_url = Some(here.observer(cfg.observer_url, url)?)
            }
            "observer_port" => {
                let url = here.port(v)?;
                cfg.observer_url = Some(here.observer(cfg.observer_url, url)?)
            }
            "logs" => {
                let DeValue::Table(t) = v else {
                    return Err(here.err("must be a table ([logs])"));
                };
                cfg.logs = logs(&doc, t, &mut warnings)?;
            }
            "clusters" => {
                let DeValue::Table(clusters) = v else {
                    return Err(here.err("must be a table of [clusters.NAME]"));
                };
                for (name, c) in tomlfile::entries(clusters) {
                    let cl = cluster(&doc, name, c.get_ref(), &mut warnings)?;
                    cfg.clusters.insert(name.get_ref().to_string(), cl);
                }
            }
            _ => warnings.push(here.warning("unknown key (ignored)")),
        }
    }
    Ok((cfg, warnings))
}

/// `[logs]`: `max_lines`, `max_mb`, whole numbers within sane bounds.
fn logs(
    doc: &Doc<'_>,
    t: &toml::de::DeTable<'_>,
    warnings: &mut Vec<String>,
) -> Result<LogsConfig, ConfigError> {
    let mut c = LogsConfig::default();
    for (k, v) in tomlfile::entries(t) {
        let here = Here {
            doc,
            span: k.span(),
            key: tomlfile::path("logs", k.get_ref()),
        };
        let v = v.get_ref();
        match k.get_ref().as_ref() {
            "max_lines" => c.max_lines = Some(here.whole(v, 100, 10_000_000, "lines")?),
            "max_mb" => c.max_mb = Some(here.whole(v, 1, 4096, "MiB")?),
            _ => warnings.push(here.warning("unknown key (ignored)")),
        }
    }
    Ok(c)
}

fn cluster(
    doc: &Doc<'_>,
    name: &tomlfile::Key<'_>,
    v: &DeValue<'_>,
    warnings: &mut Vec<String>,
) -> Result<ClusterConfig, ConfigError> {
    let section = tomlfile::path("clusters", name.get_ref());
    let DeValue::Table(t) = v else {
        return Err(doc.error(name.span(), &section, "must be a table"));
    };
    let mut c = ClusterConfig::default();
    for (k, v) in tomlfile::entries(t) {
        let here = Here {
            doc,
            span: k.span(),
            key: tomlfile::path(&section, k.get_ref()),
        };
        let v = v.get_ref();
        match k.get_ref().as_ref() {
            "theme" => c.theme = Some(here.string(v)?),
            "accent" => {
                let s = here.string(v)?;
                c.accent = Some(
                    crate::color::parse_color(&s)
                        .filter(|c| *c != Color::Reset)
                        .ok_or_else(|| {
                            here.err(format!(
                                "not a colour: {s:?} (use #rrggbb or an ANSI colour name)"
                            ))
                        })?,
                );
            }
            "read_only" => c.read_only = Some(here.boolean(v)?),
            "docker" => c.docker = Some(here.string(v)?),
            "prod" => c.prod = Some(here.boolean(v)?),
            "ca_cert" => {
                let p = PathBuf::from(here.string(v)?);
                c.ca_cert = Some(match Path::new(&doc.file).parent() {
                    Some(dir) if p.is_relative() => dir.join(p),
                    _ => p,
                });
            }
            "observer_url" => {
                let url = here.url(v)?;
                c.observer_url = Some(here.observer(c.observer_url, url)?)
            }
            "observer_port" => {
                let url = here.port(v)?;
                c.observer_url = Some(here.observer(c.observer_url, url)?)
            }
            _ => warnings.push(here.warning("unknown key (ignored)")),
        }
    }
    Ok(c)
}

/// One setting being read: where it is, for its errors.
struct Here<'d, 'i> {
    doc: &'d Doc<'i>,
    span: std::ops::Range<usize>,
    key: String,
}

impl Here<'_, '_> {
    fn err(&self, reason: impl std::fmt::Display) -> ConfigError {
        self.doc
            .error(self.span.clone(), &self.key, reason.to_string())
    }

    fn warning(&self, reason: &str) -> String {
        self.doc.warning(self.span.clone(), &self.key, reason)
    }

    fn observer(&self, old: Option<String>, new: String) -> Result<String, ConfigError> {
        match old {
            Some(_) => Err(self.err("give observer_url or observer_port, not both")),
            None => Ok(new),
        }
    }

    fn string(&self, v: &DeValue<'_>) -> Result<String, ConfigError> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.err(format!("expected a string, found {}", v.type_str())))
    }

    fn boolean(&self, v: &DeValue<'_>) -> Result<bool, ConfigError> {
        v.as_bool()
            .ok_or_else(|| self.err(format!("expected true or false, found {}", v.type_str())))
    }

    fn seconds(&self, v: &DeValue<'_>) -> Result<f64, ConfigError> {
        let s = tomlfile::number(v).ok_or_else(|| {
            self.err(format!(
                "expected a number of seconds, found {}",
                v.type_str()
            ))
        })?;
        if s.is_finite() && s >= 0.5 {
            Ok(s)
        } else {
            Err(self.err("must be at least 0.5 seconds"))
        }
    }

    /// A whole number from `min` to `max` (of `unit`).
    fn whole(&self, v: &DeValue<'_>, min: i64, max: i64, unit: &str) -> Result<usize, ConfigError> {
        match tomlfile::integer(v) {
            Some(n) if (min..=max).contains(&n) => Ok(n as usize),
            _ => Err(self.err(format!(
                "expected a whole number of {unit} from {min} to {max}"
            ))),
        }
    }

    fn url(&self, v: &DeValue<'_>) -> Result<String, ConfigError> {
        let s = self.string(v)?;
        let rest = s.replace("{host}", "").replace("{task_id}", "");
        if rest.contains('{') || rest.contains('}') {
            return Err(self.err(format!(
                "unknown placeholder in {s:?} (only {{host}} and {{task_id}})"
            )));
        }
        if !(s.starts_with("http://") || s.starts_with("https://")) {
            return Err(self.err("must start with http:// or https://"));
        }
        Ok(s)
    }

    fn port(&self, v: &DeValue<'_>) -> Result<String, ConfigError> {
        match tomlfile::integer(v) {
            Some(p) if (1..=65535).contains(&p) => {
                Ok(format!("http://{{host}}:{p}/task/{{task_id}}"))
            }
            _ => Err(self.err("expected a port number (1-65535)")),
        }
    }
}

/// Reads the config: `explicit` (`--config FILE`, which must exist), else
/// `CONFIG_DIR/config.toml` when it exists, else nothing.
pub fn load(
    explicit: Option<&Path>,
    config_dir: Option<&Path>,
) -> Result<(Config, Vec<String>), ConfigError> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => match config_dir.map(|d| d.join("config.toml")) {
            Some(p) if p.exists() => p,
            _ => return Ok((Config::default(), Vec::new())),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError::file(path.display().to_string(), format!("cannot read: {e}")))?;
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
        let e = parse("timezone = \"mars\"\n", "c.toml")
            .unwrap_err()
            .to_string();
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

    fn err(text: &str) -> String {
        parse(text, "c.toml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = err("refresh = 5\ntheme = 3\n");
        assert_eq!(e, "c.toml:2: theme: expected a string, found integer");
        let e = err("[clusters.a]\nprod = true\naccent = \"redish\"\n");
        assert!(
            e.starts_with("c.toml:3: clusters.a.accent: not a colour"),
            "{e}"
        );
        let e = err("refresh = 5\n[clusters\n");
        assert!(e.starts_with("c.toml:2: syntax error"), "{e}");
        let e = err("refresh = 0.1\n");
        assert!(e.starts_with("c.toml:1: refresh: must be at least"), "{e}");
        let e = err("observer_url = \"http://{host}/{id}\"\n");
        assert!(e.contains("unknown placeholder"), "{e}");
    }

    #[test]
    fn log_limits_are_read_and_checked() {
        let (c, w) = parse("[logs]\nmax_lines = 500\nmax_mb = 2\n", "c.toml").unwrap();
        assert!(w.is_empty(), "{w:?}");
        let l = c.logs.limits();
        assert_eq!((l.max_lines, l.max_bytes), (500, 2 << 20));
        let d = Config::default().logs.limits();
        assert_eq!(d, crate::observer::buffer::Limits::default());
        assert_eq!(
            err("refresh = 5\n[logs]\nmax_mb = 0\n"),
            "c.toml:3: logs.max_mb: expected a whole number of MiB from 1 to 4096"
        );
        assert_eq!(
            err("[logs]\nmax_lines = \"many\"\n"),
            "c.toml:2: logs.max_lines: expected a whole number of lines from 100 to 10000000"
        );
    }

    /// The old hand-written line scanner only knew `[section]` + `key = value`: a dotted key or
    /// an inline table lost the line (and the warnings' order).
    #[test]
    fn every_toml_spelling_gets_its_line() {
        assert_eq!(
            err("refresh = 5\nclusters.a.prod = \"yes\"\n"),
            "c.toml:2: clusters.a.prod: expected true or false, found string"
        );
        assert_eq!(
            err("[clusters]\na = { read_only = true, prod = 1 }\n"),
            "c.toml:2: clusters.a.prod: expected true or false, found integer"
        );
        let (_, w) = parse(
            "mouse = true\nclusters.b.prd = 1\n\n[clusters.a]\nthem = \"x\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(
            w,
            vec![
                "c.toml:2: clusters.b.prd: unknown key (ignored)".to_owned(),
                "c.toml:5: clusters.a.them: unknown key (ignored)".to_owned(),
            ]
        );
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
