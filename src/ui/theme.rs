//! The light and dark looks. egui's own warning and error colours are
//! bright orange and pure red, made to pop on a dark background: on the
//! light theme's near-white panels they fall below the 4.5:1 contrast WCAG
//! asks for normal text (2.8:1 and 3.8:1), and pure red is 4.1:1 on the
//! dark theme's striped rows. These replace them; `tests/ui_themes.rs`
//! checks every pair.

use egui::{Color32, Theme, Visuals};

/// Warnings on light backgrounds: a dark orange (5.1:1 on the panels).
const WARN_LIGHT: Color32 = Color32::from_rgb(178, 72, 0);
/// Errors on light backgrounds: a deep red (5.7:1).
const ERROR_LIGHT: Color32 = Color32::from_rgb(200, 0, 0);
/// Errors on dark backgrounds: a light red (5.1:1 on striped rows).
const ERROR_DARK: Color32 = Color32::from_rgb(255, 80, 80);
/// "It worked" on light backgrounds (5.2:1).
const SUCCESS_LIGHT: Color32 = Color32::from_rgb(30, 120, 45);
/// "It worked" on dark backgrounds (7.7:1).
const SUCCESS_DARK: Color32 = Color32::from_rgb(90, 200, 100);

/// The visuals Keyfleet uses for `theme`: egui's, with readable warning
/// and error colours.
pub fn visuals(theme: Theme) -> Visuals {
    match theme {
        Theme::Light => Visuals {
            warn_fg_color: WARN_LIGHT,
            error_fg_color: ERROR_LIGHT,
            ..Visuals::light()
        },
        // egui's dark orange already reads well (7:1).
        Theme::Dark => Visuals {
            error_fg_color: ERROR_DARK,
            ..Visuals::dark()
        },
    }
}

/// Installs both looks; which one shows follows the theme preference.
pub fn install(ctx: &egui::Context) {
    for theme in [Theme::Light, Theme::Dark] {
        ctx.set_visuals_of(theme, visuals(theme));
    }
}

/// The colour of a line saying something worked, for these visuals.
pub fn success_color(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        SUCCESS_DARK
    } else {
        SUCCESS_LIGHT
    }
}

/// The backgrounds text is drawn on in these visuals: panels, windows and
/// dialogs, text boxes, and a table's striped rows.
pub fn text_backgrounds(visuals: &Visuals) -> [Color32; 4] {
    // Striped rows add `faint_bg_color` (additive) to the panel.
    let striped = Color32::from_rgb(
        visuals
            .panel_fill
            .r()
            .saturating_add(visuals.faint_bg_color.r()),
        visuals
            .panel_fill
            .g()
            .saturating_add(visuals.faint_bg_color.g()),
        visuals
            .panel_fill
            .b()
            .saturating_add(visuals.faint_bg_color.b()),
    );
    [
        visuals.panel_fill,
        visuals.window_fill,
        visuals.extreme_bg_color,
        striped,
    ]
}

/// Toast backgrounds (their text is white, whatever the theme).
pub mod toast {
    use egui::Color32;

    /// Something worked.
    pub const SUCCESS: Color32 = Color32::from_rgb(46, 125, 50);
    /// Something to know (a blue grey: the theme's grey buttons were too
    /// light for white text in the light theme).
    pub const INFO: Color32 = Color32::from_rgb(55, 71, 79);
    /// Something failed.
    pub const ERROR: Color32 = Color32::from_rgb(183, 28, 28);
}

/// WCAG 2 contrast ratio of two opaque colours (1 to 21).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    fn channel(value: u8) -> f32 {
        let c = f32::from(value) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }
    fn luminance(color: Color32) -> f32 {
        0.2126 * channel(color.r()) + 0.7152 * channel(color.g()) + 0.0722 * channel(color.b())
    }
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}
