//! Helpers shared by the benchmarks: thread CPU time, medians, the
//! Markdown row, and timed headless egui frames with the texts they drew.
#![allow(dead_code)]

use std::time::Duration;
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
use std::time::Instant;

// ---------------------------------------------------------------------------
// Timing helpers

/// CPU time consumed by the calling thread (Linux/glibc `clock_gettime`),
/// so other processes on a shared machine do not inflate frame times.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn thread_cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    unsafe extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec for the duration of the call.
    let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Elsewhere: wall time since the first call (a fair stand-in when idle).
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn thread_cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn median(mut values: Vec<Duration>) -> Duration {
    assert!(!values.is_empty());
    values.sort();
    values[values.len() / 2]
}

pub fn median_f64(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty());
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn row(what: &str, ours: String, baseline: String, ratio: String) {
    println!("| {what} | {ours} | {baseline} | {ratio} |");
}

pub const SCREEN: egui::Vec2 = egui::vec2(1400.0, 900.0);
/// Where the pointer rests: over the table body.
pub const POINTER: egui::Pos2 = egui::pos2(700.0, 500.0);

pub fn base_input() -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
        events: vec![egui::Event::PointerMoved(POINTER)],
        ..Default::default()
    }
}

pub fn scroll_input() -> egui::RawInput {
    let mut input = base_input();
    // Scroll down a bit every frame so rows change, as while scrolling.
    input.events.push(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, -60.0),
        modifiers: egui::Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    input
}

/// Every text drawn in a frame with its position.
pub fn drawn_texts(shapes: &[egui::epaint::ClippedShape]) -> Vec<(String, egui::Pos2)> {
    fn walk(shape: &egui::Shape, out: &mut Vec<(String, egui::Pos2)>) {
        match shape {
            egui::Shape::Text(text) => out.push((text.galley.text().to_string(), text.pos)),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|shape| walk(shape, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

/// The key names drawn in a frame, sorted.
pub fn drawn_key_names(shapes: &[egui::epaint::ClippedShape]) -> Vec<String> {
    let mut names: Vec<String> = drawn_texts(shapes)
        .into_iter()
        .map(|(text, _)| text)
        .filter(|text| {
            text.len() == 10
                && text.starts_with("key-")
                && text[4..].bytes().all(|b| b.is_ascii_digit())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// CPU time of one frame, split in its two parts.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameTime {
    /// `run_ui`: the UI code, widgets, text layout.
    pub layout: Duration,
    /// Turning the shapes into triangles.
    pub tessellation: Duration,
}

impl FrameTime {
    pub fn total(self) -> Duration {
        self.layout + self.tessellation
    }
}

/// One frame: layout (`run_ui`) plus tessellation, as eframe does on the
/// CPU before handing triangles to the GPU. Returns the thread CPU time
/// and, when asked, the frame's shapes (copied outside the timing).
pub fn timed_frame(
    ctx: &egui::Context,
    input: egui::RawInput,
    keep_shapes: bool,
    run: impl FnMut(&mut egui::Ui),
) -> (FrameTime, Vec<egui::epaint::ClippedShape>) {
    let start = thread_cpu_time();
    let mut output = ctx.run_ui(input, run);
    let layout = thread_cpu_time() - start;
    let kept = if keep_shapes {
        output.shapes.clone()
    } else {
        Vec::new()
    };
    let start = thread_cpu_time();
    let primitives = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
    let tessellate = thread_cpu_time() - start;
    std::hint::black_box(primitives);
    (
        FrameTime {
            layout,
            tessellation: tessellate,
        },
        kept,
    )
}
