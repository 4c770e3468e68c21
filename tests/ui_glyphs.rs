//! Every symbol the UI uses has a glyph in the bundled fonts (kittest
//! panics on a missing glyph, which would show as a box in the window).

use egui_kittest::Harness;

#[test]
fn ui_symbols_have_glyphs() {
    let symbols = "· × — … ⏶ ⏷ ★ ⚠ ✔ ➕ ⟳ 💾 🔑 ✖";
    let mut harness = Harness::new_ui(|ui| {
        ui.label(symbols);
        ui.monospace(symbols);
    });
    harness.run();
}
