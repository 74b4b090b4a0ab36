//! The Prometheus text exposition format 0.0.4: one `# HELP` and one `# TYPE` line per family,
//! then its samples, with no timestamps (node_exporter's textfile collector refuses them, and
//! Prometheus stamps a scrape itself).

use std::fmt::Write;

/// The content type to serve the text with.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(u64),
    Float(f64),
}

/// One metric family and its samples.
#[derive(Debug, Clone)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone)]
pub struct Sample {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

impl Family {
    /// A family of one unlabelled sample.
    pub fn single(name: &'static str, help: &'static str, kind: Kind, value: Value) -> Family {
        Family {
            name,
            help,
            kind,
            samples: vec![Sample {
                labels: Vec::new(),
                value,
            }],
        }
    }
}

/// Renders families in the order given.
pub fn render(families: &[Family]) -> String {
    let mut out = String::with_capacity(families.len() * 160);
    for f in families {
        // Writing into a String cannot fail.
        let _ = writeln!(out, "# HELP {} {}", f.name, escape_help(f.help));
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind.as_str());
        for s in &f.samples {
            out.push_str(f.name);
            if !s.labels.is_empty() {
                out.push('{');
                for (i, (k, v)) in s.labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{k}=\"{}\"", escape_label(v));
                }
                out.push('}');
            }
            out.push(' ');
            match s.value {
                Value::Int(v) => {
                    let _ = write!(out, "{v}");
                }
                Value::Float(v) => write_float(&mut out, v),
            }
            out.push('\n');
        }
    }
    out
}

fn write_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

/// HELP text: backslash and newline are escaped.
fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Label values: backslash, double quote and newline are escaped.
fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_render_with_help_type_and_labels() {
        let text = render(&[
            Family::single("a_count", "How many.", Kind::Gauge, Value::Int(5)),
            Family::single("b_mb", "Size.", Kind::Gauge, Value::Float(0.5)),
            Family {
                name: "c",
                help: "Labelled\nhelp \\ here.",
                kind: Kind::Counter,
                samples: vec![Sample {
                    labels: vec![("type", "Sle\"ep\\\n".into()), ("state", "Pending".into())],
                    value: Value::Float(2.0),
                }],
            },
        ]);
        assert_eq!(
            text,
            "# HELP a_count How many.\n# TYPE a_count gauge\na_count 5\n\
             # HELP b_mb Size.\n# TYPE b_mb gauge\nb_mb 0.5\n\
             # HELP c Labelled\\nhelp \\\\ here.\n# TYPE c counter\n\
             c{type=\"Sle\\\"ep\\\\\\n\",state=\"Pending\"} 2\n"
        );
    }

    #[test]
    fn special_floats() {
        let mut s = String::new();
        write_float(&mut s, f64::NAN);
        s.push(' ');
        write_float(&mut s, f64::INFINITY);
        s.push(' ');
        write_float(&mut s, 1e-7);
        assert_eq!(s, "NaN +Inf 0.0000001");
    }
}
