//! The "All keys" chart: how many distinct keys of each type, and of each
//! age (by the oldest copy on an account), as two bar charts side by side.

use egui_plot::{Bar, BarChart, Plot};

use crate::inventory::{AGE_BUCKETS, Inventory};

/// Chart height in points.
const HEIGHT: f32 = 150.0;

/// Draws both charts.
pub fn show(ui: &mut egui::Ui, inventory: &Inventory) {
    let by_type = inventory.by_algorithm();
    let by_age = inventory.by_age(crate::clock::now_utc());
    let width = (ui.available_width() / 2.0 - 8.0).max(200.0);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.strong("Keys by type");
            let labels: Vec<String> = by_type.iter().map(|(label, _)| label.clone()).collect();
            bars(
                ui,
                "keys_by_type",
                width,
                by_type
                    .iter()
                    .enumerate()
                    .map(|(x, (label, count))| (x, label.as_str(), *count)),
                labels,
            );
        });
        ui.vertical(|ui| {
            ui.strong("Keys by age");
            let labels: Vec<String> = AGE_BUCKETS.iter().map(|label| label.to_string()).collect();
            bars(
                ui,
                "keys_by_age",
                width,
                AGE_BUCKETS
                    .iter()
                    .zip(by_age)
                    .enumerate()
                    .map(|(x, (label, count))| (x, *label, count)),
                labels,
            );
        });
    });
}

fn bars<'a>(
    ui: &mut egui::Ui,
    id: &str,
    width: f32,
    values: impl Iterator<Item = (usize, &'a str, usize)>,
    labels: Vec<String>,
) {
    let bars: Vec<Bar> = values
        .map(|(x, label, count)| Bar::new(x as f64, count as f64).name(label).width(0.7))
        .collect();
    let chart = BarChart::new(id, bars)
        .color(ui.visuals().selection.bg_fill)
        .element_formatter(Box::new(|bar, _| format!("{}: {}", bar.name, bar.value)));
    Plot::new(id)
        .height(HEIGHT)
        .width(width)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_grid([false, true])
        .x_axis_formatter(move |mark, _range| {
            let index = mark.value.round();
            if (mark.value - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            labels.get(index as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot| plot.bar_chart(chart));
}
