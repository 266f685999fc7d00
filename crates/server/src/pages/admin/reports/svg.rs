//! The geometry of the report page's charts, worked out here so the template only places what it
//! is given: horizontal bars, columns over days, and the weekday x hour heatmap. Coordinates are
//! in the SVG's own units (its `viewBox`); the page scales it to its width. Colours come from
//! classes in the stylesheet (the CSP forbids style attributes), and every shape carries a
//! `<title>` with its figures in words.

/// The width of every chart's `viewBox`.
pub const WIDTH: u32 = 640;

/// One horizontal bar: its label on the left, the bar, and its value after it.
pub struct HBar {
    /// The label as shown (long names are shortened) and in full (for the bar's `<title>`).
    pub label: String,
    pub title: String,
    pub value: String,
    /// The baseline of the label and value texts.
    pub text_y: u32,
    pub y: u32,
    pub width: String,
    pub value_x: String,
}

/// Bars, one per row, longest as given.
pub struct HBars {
    pub height: u32,
    pub bars: Vec<HBar>,
}

const LABEL_WIDTH: u32 = 200;
const PLOT_WIDTH: f64 = 360.0;
const ROW: u32 = 26;
const BAR_HEIGHT: u32 = 18;

/// Where a horizontal bar starts (its label ends a little before).
pub const BAR_X: u32 = LABEL_WIDTH;
pub const LABEL_X: u32 = LABEL_WIDTH - 8;
pub const BAR_HEIGHT_ATTR: u32 = BAR_HEIGHT;

/// A row of a bar chart: its label, its length as a share of the longest possible (0-1), the value
/// written after it, and the words of its `<title>`.
pub struct BarInput {
    pub label: String,
    pub share: f64,
    pub value: String,
    pub title: String,
}

pub fn hbars(rows: Vec<BarInput>) -> HBars {
    let count = u32::try_from(rows.len()).unwrap_or(u32::MAX / ROW);
    let bars = rows
        .into_iter()
        .zip(0u32..)
        .map(|(row, i)| {
            let width = PLOT_WIDTH * row.share.clamp(0.0, 1.0);
            HBar {
                label: shorten(&row.label, 28),
                title: row.title,
                value: row.value,
                text_y: 4 + i * ROW + BAR_HEIGHT - 4,
                y: 4 + i * ROW,
                width: format!("{width:.1}"),
                value_x: format!("{:.1}", f64::from(BAR_X) + width + 6.0),
            }
        })
        .collect();
    HBars { height: 8 + count.max(1) * ROW, bars }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// One column of a chart over days.
pub struct Column {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    pub title: String,
}

/// A gridline with its label (`50 %`), or a label under the axis (a date).
pub struct Tick {
    pub x: String,
    pub y: String,
    pub label: String,
}

pub struct Columns {
    pub height: u32,
    pub columns: Vec<Column>,
    /// Horizontal gridlines at 0, 25, 50, 75 and 100 %.
    pub grid: Vec<Tick>,
    /// A few dates under the axis.
    pub dates: Vec<Tick>,
    pub plot_left: u32,
    pub plot_right: u32,
}

const COLUMNS_LEFT: u32 = 60;
const COLUMNS_TOP: u32 = 10;
const COLUMNS_PLOT_HEIGHT: u32 = 180;

/// A row of a column chart: its share (0-1), the label under the axis (a date) and its `<title>`.
pub struct ColumnInput {
    pub label: String,
    pub share: f64,
    pub title: String,
}

/// Columns from 0 to 100 %, one per row, side by side across the chart; `percent` words a share
/// for the gridlines' labels.
pub fn columns(rows: Vec<ColumnInput>, percent: impl Fn(f64) -> String) -> Columns {
    let plot_width = f64::from(WIDTH - COLUMNS_LEFT - 8);
    let n = rows.len().max(1);
    let slot = plot_width / n as f64;
    let gap = if slot > 4.0 { slot * 0.2 } else { 0.0 };
    let baseline = COLUMNS_TOP + COLUMNS_PLOT_HEIGHT;
    let plot_height = f64::from(COLUMNS_PLOT_HEIGHT);
    // About six dates under the axis, the first and last among them.
    let every = n.div_ceil(6).max(1);
    let mut dates = Vec::new();
    let mut columns = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let x = f64::from(COLUMNS_LEFT) + slot * i as f64;
        let height = plot_height * row.share.clamp(0.0, 1.0);
        let last = n - 1;
        // The last date always; the others every so often, not crowding the last.
        if i == last || (i.is_multiple_of(every) && (i == 0 || last - i >= every.div_ceil(2))) {
            dates.push(Tick { x: format!("{:.1}", x + slot / 2.0), y: (baseline + 16).to_string(), label: row.label });
        }
        columns.push(Column {
            x: format!("{:.2}", x + gap / 2.0),
            y: format!("{:.1}", f64::from(baseline) - height),
            width: format!("{:.2}", (slot - gap).max(0.5)),
            height: format!("{height:.1}"),
            title: row.title,
        });
    }
    let grid = [0.0, 0.25, 0.5, 0.75, 1.0]
        .iter()
        .map(|share| Tick {
            x: (COLUMNS_LEFT - 6).to_string(),
            y: format!("{:.1}", f64::from(baseline) - plot_height * share),
            label: percent(*share),
        })
        .collect();
    Columns { height: baseline + 24, columns, grid, dates, plot_left: COLUMNS_LEFT, plot_right: WIDTH - 8 }
}

/// One cell of the heatmap: a weekday at an hour.
pub struct Cell {
    pub x: u32,
    pub y: u32,
    /// `heat-0` (unused) to `heat-5` (full), or `heat-closed` with no bookable minutes.
    pub class: &'static str,
    pub title: String,
}

pub struct Heatmap {
    pub width: u32,
    pub height: u32,
    pub cell_width: u32,
    pub cell_height: u32,
    /// The hours shown, as column headings ("09").
    pub hours: Vec<Tick>,
    /// The weekdays, as row headings.
    pub days: Vec<Tick>,
    pub cells: Vec<Cell>,
}

/// A cell's figures for the heatmap: its weekday (0 = Monday), hour, bookable minutes, share
/// booked and its `<title>`.
pub struct CellInput {
    pub weekday: u8,
    pub hour: u8,
    pub bookable_minutes: i64,
    pub share: f64,
    pub title: String,
}

const HEAT_LEFT: u32 = 96;
const HEAT_TOP: u32 = 22;
const CELL_HEIGHT: u32 = 26;

/// The weekday x hour grid, only the hours some weekday can be booked in; `day_names` are the
/// weekdays' names from Monday.
pub fn heatmap(cells: Vec<CellInput>, day_names: [&str; 7]) -> Heatmap {
    let mut open: Vec<u8> = cells.iter().filter(|c| c.bookable_minutes > 0).map(|c| c.hour).collect();
    open.sort_unstable();
    open.dedup();
    let count = u32::try_from(open.len()).unwrap_or(24).max(1);
    let cell_width = ((WIDTH - HEAT_LEFT - 4) / count).min(40);
    let column = |hour: u8| open.iter().position(|h| *h == hour).and_then(|i| u32::try_from(i).ok());
    let hours = open
        .iter()
        .zip(0u32..)
        .map(|(hour, i)| Tick {
            x: (HEAT_LEFT + i * cell_width + cell_width / 2).to_string(),
            y: (HEAT_TOP - 8).to_string(),
            label: format!("{hour:02}"),
        })
        .collect();
    let days = day_names
        .iter()
        .zip(0u32..)
        .map(|(name, i)| Tick {
            x: (HEAT_LEFT - 8).to_string(),
            y: (HEAT_TOP + i * CELL_HEIGHT + CELL_HEIGHT / 2 + 5).to_string(),
            label: (*name).to_owned(),
        })
        .collect();
    let cells = cells
        .into_iter()
        .filter_map(|c| {
            let x = HEAT_LEFT + column(c.hour)? * cell_width;
            let y = HEAT_TOP + u32::from(c.weekday.min(6)) * CELL_HEIGHT;
            Some(Cell { x, y, class: heat_class(c.bookable_minutes, c.share), title: c.title })
        })
        .collect();
    Heatmap {
        width: WIDTH,
        height: HEAT_TOP + 7 * CELL_HEIGHT + 4,
        cell_width: cell_width.saturating_sub(2).max(1),
        cell_height: CELL_HEIGHT - 2,
        hours,
        days,
        cells,
    }
}

/// The shade of a cell: five steps of use, and one for no bookable time.
fn heat_class(bookable_minutes: i64, share: f64) -> &'static str {
    const CLASSES: [&str; 6] = ["heat-0", "heat-1", "heat-2", "heat-3", "heat-4", "heat-5"];
    if bookable_minutes <= 0 {
        return "heat-closed";
    }
    if share <= 0.0 {
        return CLASSES[0];
    }
    // 0-20 % is step 1, ..., 80-100 % step 5.
    let step = (share.clamp(0.0, 1.0) * 5.0).ceil();
    CLASSES[(step as usize).clamp(1, 5)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, share: f64) -> BarInput {
        BarInput { label: label.to_owned(), share, value: String::new(), title: label.to_owned() }
    }

    #[test]
    fn bars_are_as_long_as_their_share_and_one_row_each() {
        let chart = hbars(vec![bar("Sala Norte", 1.0), bar("Sala Sur", 0.25), bar("Sala Este", 0.0)]);
        assert_eq!(chart.bars.len(), 3);
        assert_eq!(chart.bars[0].width, "360.0");
        assert_eq!(chart.bars[1].width, "90.0");
        assert_eq!(chart.bars[2].width, "0.0");
        assert_eq!(chart.bars[1].y, 4 + ROW);
        assert_eq!(chart.height, 8 + 3 * ROW);
        // Above 100 % nothing leaves the chart.
        assert_eq!(hbars(vec![bar("x", 3.0)]).bars[0].width, "360.0");
    }

    #[test]
    fn long_names_are_shortened_on_the_chart_but_whole_in_the_title() {
        let name = "Sala de reuniones grande de la planta cuarta";
        let chart = hbars(vec![bar(name, 0.5)]);
        assert_eq!(chart.bars[0].label.chars().count(), 28);
        assert!(chart.bars[0].label.ends_with('…'));
        assert_eq!(chart.bars[0].title, name);
    }

    #[test]
    fn columns_fill_the_plot_and_stand_on_the_baseline() {
        let rows = (0..10)
            .map(|i| ColumnInput { label: format!("d{i}"), share: f64::from(i) / 10.0, title: String::new() })
            .collect();
        let chart = columns(rows, |s| format!("{}", s * 100.0));
        assert_eq!(chart.columns.len(), 10);
        assert_eq!(chart.columns[0].height, "0.0");
        assert_eq!(chart.columns[5].height, "90.0");
        assert_eq!(chart.columns[5].y, "100.0");
        assert_eq!(chart.grid.len(), 5);
        assert_eq!(chart.grid[4].label, "100");
        assert_eq!(chart.dates.first().map(|d| d.label.as_str()), Some("d0"));
        assert_eq!(chart.dates.last().map(|d| d.label.as_str()), Some("d9"));
    }

    #[test]
    fn the_heatmap_shows_only_bookable_hours_shaded_by_use() {
        let mut cells = Vec::new();
        for weekday in 0..7u8 {
            for hour in 0..24u8 {
                let open = weekday < 5 && (8..20).contains(&hour);
                let share = if weekday == 0 && hour == 10 {
                    1.0
                } else if weekday == 0 && hour == 19 {
                    0.5
                } else {
                    0.0
                };
                cells.push(CellInput {
                    weekday,
                    hour,
                    bookable_minutes: if open { 60 } else { 0 },
                    share,
                    title: String::new(),
                });
            }
        }
        let map = heatmap(cells, ["L", "M", "X", "J", "V", "S", "D"]);
        assert_eq!(map.hours.len(), 12);
        assert_eq!(map.hours[0].label, "08");
        assert_eq!(map.cells.len(), 7 * 12);
        let class = |weekday: u32, hour: u32| {
            let x = HEAT_LEFT + (hour - 8) * (map.cell_width + 2);
            let y = HEAT_TOP + weekday * CELL_HEIGHT;
            map.cells.iter().find(|c| c.x == x && c.y == y).map(|c| c.class)
        };
        assert_eq!(class(0, 10), Some("heat-5"));
        assert_eq!(class(0, 19), Some("heat-3"));
        assert_eq!(class(0, 9), Some("heat-0"));
        assert_eq!(class(5, 10), Some("heat-closed"));
    }

    #[test]
    fn shades_step_by_fifths() {
        assert_eq!(heat_class(0, 0.0), "heat-closed");
        assert_eq!(heat_class(60, 0.0), "heat-0");
        assert_eq!(heat_class(60, 0.01), "heat-1");
        assert_eq!(heat_class(60, 0.2), "heat-1");
        assert_eq!(heat_class(60, 0.21), "heat-2");
        assert_eq!(heat_class(60, 1.0), "heat-5");
    }
}
