//! A progress bar for long work (walking a large history), drawn on stderr only when stderr is
//! a terminal, so pipes, logs and CI never see it. Without colour when `NO_COLOR` is set.
//!
//! ```ignore
//! let mut p = Progress::new("commits", Some(total));
//! for c in commits { p.inc(1); /* ... */ }
//! p.finish();
//! ```

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Nothing is drawn for work that ends sooner than this, so quick runs never flicker
/// (`WF_PROGRESS_DELAY_MS` overrides it).
const DELAY: Duration = Duration::from_millis(300);
/// At most this often.
const EVERY: Duration = Duration::from_millis(100);

/// A progress bar on stderr (or nothing, when stderr is not a terminal).
pub struct Progress {
    label: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    delay: Duration,
    drawn_at: Option<Instant>,
    enabled: bool,
    color: bool,
}

impl Progress {
    /// A bar for `total` units of work (`None`: unknown, a counter is shown). Enabled only when
    /// stderr is a terminal and `TERM` is not `dumb`.
    pub fn new(label: &str, total: Option<u64>) -> Progress {
        let term_ok = std::env::var("TERM").map_or(true, |t| t != "dumb");
        let enabled = std::io::stderr().is_terminal() && term_ok;
        Progress {
            label: label.to_string(),
            total,
            done: 0,
            started: Instant::now(),
            delay: std::env::var("WF_PROGRESS_DELAY_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map_or(DELAY, Duration::from_millis),
            drawn_at: None,
            enabled,
            color: enabled && crate::output::no_color_unset(),
        }
    }

    /// A bar that never draws.
    pub fn hidden() -> Progress {
        let mut p = Progress::new("", None);
        p.enabled = false;
        p
    }

    /// Whether anything will be drawn.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Change the total (when it becomes known).
    pub fn set_total(&mut self, total: Option<u64>) {
        self.total = total;
    }

    /// How many units are done.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Count `n` more units done.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.started) < self.delay {
            return;
        }
        if self.drawn_at.is_some_and(|t| now.duration_since(t) < EVERY) {
            return;
        }
        self.drawn_at = Some(now);
        let line = render(&self.label, self.done, self.total, 30, self.color);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    }

    /// Clear the bar (also done on drop).
    pub fn finish(&mut self) {
        if self.enabled && self.drawn_at.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// One line of a bar: `label [#####.....]  120/400` (or `label 120` without a total).
pub fn render(label: &str, done: u64, total: Option<u64>, width: usize, color: bool) -> String {
    match total {
        Some(t) if t > 0 => {
            let done = done.min(t);
            let filled = (done as u128 * width as u128 / t as u128) as usize;
            let (on, off) = if color {
                ("\x1b[32m", "\x1b[0m")
            } else {
                ("", "")
            };
            format!(
                "{label} [{on}{}{off}{}] {done}/{t}",
                "#".repeat(filled),
                ".".repeat(width - filled)
            )
        }
        _ => format!("{label} {done}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_fills_in_proportion() {
        assert_eq!(render("x", 0, Some(4), 4, false), "x [....] 0/4");
        assert_eq!(render("x", 2, Some(4), 4, false), "x [##..] 2/4");
        assert_eq!(render("x", 9, Some(4), 4, false), "x [####] 4/4");
        assert_eq!(render("x", 7, None, 4, false), "x 7");
        assert!(render("x", 1, Some(2), 4, true).contains("\x1b[32m##\x1b[0m"));
    }

    #[test]
    fn a_hidden_bar_counts_but_never_draws() {
        let mut p = Progress::hidden();
        p.inc(5);
        assert!(!p.is_enabled());
        assert_eq!(p.done, 5);
    }
}
