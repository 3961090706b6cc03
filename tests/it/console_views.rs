//! Snapshots of every view at 80×24 and 120×40, drawn from a frozen simulated cluster fetched
//! over HTTP with the real client and fed through the reducer — the console's own code path,
//! minus the terminal.

use crate::reducer_common::draw_sized;
use crate::sim_common;

use eos::app::{Action, Nav, State, update};
use eos::sim::SimArgs;
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sim_common::driver::Driver;

async fn start() -> Driver {
    // Timestamps in UTC: the snapshots read the same on every machine.
    eos::timezone::set(eos::timezone::TimeZone::Utc);
    Driver::start(SimArgs {
        clock: "frozen".parse().unwrap(),
        ..SimArgs::default()
    })
    .await
}

/// A console showing `nav` at `w`×`h`, its data loaded and one more tick taken (not settled).
async fn state_at(world: &mut Driver, nav: Nav, w: u16, h: u16) -> State {
    // The URL is only shown; a fixed one keeps snapshots stable across ports.
    let mut s = world.console("http://sim.test:8081", Nav::Roles, w, h);
    world.tick(&mut s).await;
    world.act(&mut s, [Action::Open(nav)]).await;
    update(&mut s, Action::Tick(world.sim.now_ms()));
    s
}

/// The screen as text, each row followed by its styled runs: `col-col fg bg +MODIFIERS` for
/// every stretch of cells whose style is not the terminal's default, so colours (and their
/// absence) are visible in the snapshot.
fn draw_styled(state: &State, theme: &Theme, w: u16, h: u16, rows: u16) -> String {
    use ratatui::style::{Color, Modifier};
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        eos::ui::render(state, theme, f);
    })
    .unwrap();
    let buf = t.backend().buffer();
    let colour = |c: Color| match c {
        Color::Reset => None,
        c => Some(format!("{c:?}")),
    };
    let mut out = String::new();
    for y in 0..rows.min(h) {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(&format!("{:>2}|{}\n", y, line.trim_end()));
        let key = |x: u16| {
            let c = &buf[(x, y)];
            (colour(c.fg), colour(c.bg), c.modifier)
        };
        let mut runs = Vec::new();
        let mut x = 0;
        while x < w {
            let k = key(x);
            let start = x;
            while x < w && key(x) == k {
                x += 1;
            }
            let (fg, bg, m) = k;
            if fg.is_none() && bg.is_none() && m == Modifier::empty() {
                continue;
            }
            let mut r = format!("{start}-{}", x - 1);
            if let Some(fg) = fg {
                r.push_str(&format!(" fg:{fg}"));
            }
            if let Some(bg) = bg {
                r.push_str(&format!(" bg:{bg}"));
            }
            if m != Modifier::empty() {
                r.push_str(&format!(" +{m:?}"));
            }
            runs.push(r);
        }
        if !runs.is_empty() {
            out.push_str(&format!("  ~ {}\n", runs.join(" | ")));
        }
    }
    out
}

/// The first update key of a job, from the simulator.
async fn update_key(world: &Driver, job: &str) -> String {
    let ups = world
        .client
        .get_job_update_summaries(eos::aurora::model::JobUpdateQuery::default())
        .await
        .unwrap()
        .value;
    ups.iter()
        .filter_map(|u| u.key.as_ref())
        .find(|k| k.job.as_ref().map(|j| j.to_string()).as_deref() == Some(job))
        .map(|k| k.to_string())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_at_two_sizes() {
    let mut world = start().await;
    let indexer_update = update_key(&world, "search/prod/indexer").await;
    let first_task = world
        .client
        .get_tasks_without_configs(eos::domain::queries::job_query(
            &eos::aurora::model::JobKey::new("payments", "prod", "fraud-scorer"),
            true,
        ))
        .await
        .unwrap()
        .value
        .into_iter()
        .min_by_key(|t| t.instance_id())
        .unwrap()
        .task_id()
        .to_owned();
    let views: Vec<(&str, Nav)> = vec![
        ("roles", Nav::Roles),
        ("jobs_payments", Nav::Jobs(Some("payments".into()))),
        (
            "tasks_crashloop",
            Nav::Tasks("payments/prod/fraud-scorer".into()),
        ),
        ("task_detail", Nav::Task(first_task)),
        (
            "config_midupdate",
            Nav::Config("search/prod/indexer".into()),
        ),
        ("quota_payments", Nav::Quota("payments".into())),
        (
            "updates",
            Nav::Updates {
                role: None,
                filter: None,
            },
        ),
        ("update_rollout", Nav::Update(indexer_update)),
        ("triage", Nav::Triage),
    ];
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    for (name, nav) in views {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let state = state_at(&mut world, nav.clone(), w, h).await;
            let text = draw_sized(&state, w, h);
            // Every view shows data, not a loading or error state.
            assert!(
                !text.contains("loading…"),
                "{name} {w}x{h} still loading:\n{text}"
            );
            assert!(
                !text.contains("could not load"),
                "{name} {w}x{h} failed:\n{text}"
            );
            settings.bind(|| insta::assert_snapshot!(format!("{name}_{w}x{h}"), text));
        }
    }
    // The help overlay over the tasks view, generated from the keymap.
    let mut state = state_at(
        &mut world,
        Nav::Tasks("payments/prod/fraud-scorer".into()),
        120,
        40,
    )
    .await;
    update(&mut state, Action::Command(eos::app::Command::Help));
    let text = draw_sized(&state, 120, 40);
    assert!(text.contains("toggle_history"), "{text}");
    settings.bind(|| insta::assert_snapshot!("help_tasks_120x40", text));
    world.stop().await;
}

/// The tasks view in the colourless and the 16-colour theme, with every cell's style shown:
/// mono must show no colour at all and keep the selection (reverse + ▶); base16 only named
/// colours. And a production cluster's header: the PROD badge and the accent colour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_view_in_mono_and_base16_with_styles() {
    let mut world = start().await;
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    let state = state_at(
        &mut world,
        Nav::Tasks("payments/prod/fraud-scorer".into()),
        80,
        24,
    )
    .await;
    for name in ["mono", "base16"] {
        let theme = Theme::named(name).unwrap();
        let text = draw_styled(&state, &theme, 80, 24, 24);
        assert!(text.contains("▶"), "{name}: no selection marker\n{text}");
        if name == "mono" {
            assert!(!text.contains("fg:") && !text.contains("bg:"), "{text}");
            assert!(text.contains("REVERSED"), "{text}");
        } else {
            assert!(!text.contains("Rgb") && !text.contains("Indexed"), "{text}");
            assert!(text.contains("fg:"), "{text}");
        }
        settings.bind(|| insta::assert_snapshot!(format!("tasks_{name}_styled_80x24"), text));
    }
    // devcluster marked prod with a red accent: PROD badge, red header labels and crumb edge.
    let mut state = state_at(&mut world, Nav::Roles, 80, 24).await;
    assert_eq!(state.cluster.as_deref(), Some("devcluster"));
    let (cfg, _) = eos::config::parse(
        "[clusters.devcluster]\nprod = true\naccent = \"#ff0000\"\n",
        "c.toml",
    )
    .unwrap();
    state.set_settings(eos::config::Settings {
        config: cfg,
        ..Default::default()
    });
    assert!(state.prod_cluster);
    let theme = Theme::builtin().degrade(eos::color::ColorCap::Ansi256);
    let text = draw_styled(&state, &theme, 80, 24, 2);
    assert!(text.contains(" PROD "), "{text}");
    assert!(text.contains("bg:Indexed(196)"), "{text}");
    settings.bind(|| insta::assert_snapshot!("header_prod_accent_256_80x24", text));
    // In mono the accent is dropped, the badge stays.
    let text = draw_styled(&state, &Theme::named("mono").unwrap(), 80, 24, 2);
    assert!(text.contains(" PROD ") && !text.contains("bg:"), "{text}");
    world.stop().await;
}

/// The hosts view at both sizes (the world's SCHEDULED and DRAINED hosts included), one host
/// being drained with its tasks still to move, and that host's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_view_and_a_draining_host() {
    let mut world = start().await;
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let state = state_at(&mut world, Nav::Hosts, w, h).await;
        let text = draw_sized(&state, w, h);
        assert!(text.contains("HOST") && text.contains("MODE"), "{text}");
        assert!(!text.contains("loading…"), "{text}");
        settings.bind(|| insta::assert_snapshot!(format!("hosts_{w}x{h}"), text));
    }
    // Drain agent-0002 (frozen clock: its tasks stay DRAINING) and look again, sorted by mode
    // descending so the hosts in maintenance come first.
    let host = "agent-0002.us-east-1b.devcluster.example.com";
    world.client.drain_hosts(&[host.to_owned()]).await.unwrap();
    let mut state = state_at(&mut world, Nav::Hosts, 120, 40).await;
    update(&mut state, Action::Command(eos::app::Command::SortNext));
    update(&mut state, Action::Command(eos::app::Command::SortReverse));
    let text = draw_sized(&state, 120, 40);
    assert!(text.contains("DRAINING"), "{text}");
    settings.bind(|| insta::assert_snapshot!("hosts_draining_120x40", text));
    let state = state_at(&mut world, Nav::Host(host.to_owned()), 120, 40).await;
    let text = draw_sized(&state, 120, 40);
    assert!(text.contains("DRAINING"), "{text}");
    settings.bind(|| insta::assert_snapshot!("host_tasks_draining_120x40", text));
    // The help overlay lists the maintenance keys, each name apart from its text.
    let mut state = state_at(&mut world, Nav::Hosts, 120, 40).await;
    update(&mut state, Action::Command(eos::app::Command::Help));
    let text = draw_sized(&state, 120, 40);
    for line in ["D  drain_hosts", "m  start_maint", "M  end_maint"] {
        assert!(text.contains(line), "{line}: {text}");
    }
    settings.bind(|| insta::assert_snapshot!("help_hosts_120x40", text));
    world.stop().await;
}

/// The update screen's instance grid in the colourless theme: every instance carries its
/// state's glyph, the legend names every glyph, and different states look different without
/// colour (the indexer's rollout has updated, updating and pending instances).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_grid_reads_without_colour() {
    let mut world = start().await;
    let key = update_key(&world, "search/prod/indexer").await;
    let state = state_at(&mut world, Nav::Update(key), 120, 40).await;
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme::named("mono").unwrap();
    t.draw(|f| {
        eos::ui::render(&state, &theme, f);
    })
    .unwrap();
    let buf = t.backend().buffer();
    let text: Vec<String> = (0..40)
        .map(|y| (0..120).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect();
    let glyphs = ['·', '▸', '✓', '✗', '◂', '↩', '−'];
    let start = text
        .iter()
        .position(|l| l.contains("INSTANCES"))
        .unwrap_or_else(|| panic!("{}", text.join("\n")));
    let legend = start
        + text[start..]
            .iter()
            .position(|l| l.contains("pending") && l.contains("rolled back"))
            .unwrap_or_else(|| panic!("no legend\n{}", text.join("\n")));
    for g in glyphs {
        assert!(
            text[legend].contains(g),
            "legend lacks {g}: {}",
            text[legend]
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut cells = 0;
    for line in &text[start + 1..legend] {
        for cell in line.split_whitespace() {
            let glyph = cell.chars().last().unwrap();
            let number: String = cell.chars().take_while(char::is_ascii_digit).collect();
            assert!(
                !number.is_empty() && glyphs.contains(&glyph),
                "cell without a state glyph: {cell:?} in {line:?}"
            );
            seen.insert(glyph);
            cells += 1;
        }
    }
    assert_eq!(cells, 30, "{}", text.join("\n"));
    assert!(seen.len() >= 2, "states look alike: {seen:?}");
    world.stop().await;
}
