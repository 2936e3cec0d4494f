#include "report/report_page.h"

#include <fmt/format.h>

#include <sstream>

#include "core/strings.h"
#include "core/system_memory.h"  // human_bytes
#include "report/report_assets.h"

namespace pk {
namespace {

using nlohmann::json;

std::string escape_html(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// JSON that is safe inside <script>: "</" cannot end the element.
std::string script_json(const json& doc) {
  std::string text = doc.dump();
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += "\\";
  }
  return out;
}

// One table cell of a before/after row: its shown text and its raw value (empty if unknown).
struct Cell {
  std::string text = "—";
  std::string value;
};

Cell count_cell(int64_t v) {
  if (v < 0) return {};
  return {human_count(static_cast<double>(v)), std::to_string(v)};
}
Cell percent_cell(double fraction) {
  if (fraction < 0) return {};
  return {fmt::format("{:.2f}%", 100 * fraction), fmt::format("{:.6g}", fraction)};
}
Cell ms_cell(double ms) {
  if (ms < 0) return {};
  return {fmt::format("{:.3f} ms", ms), fmt::format("{:.6g}", ms)};
}
Cell bytes_cell(int64_t b) {
  if (b < 0) return {};
  return {human_bytes(static_cast<double>(b)), std::to_string(b)};
}

/// A row "label | model 0 | model 1 …" with a ratio to the original in the later columns.
std::string facts_row(const std::string& key, const std::string& label, const std::vector<Cell>& cells,
                      const std::vector<double>& raw) {
  std::string row = fmt::format("<tr data-key=\"{}\"><th>{}</th>", key, label);
  for (size_t i = 0; i < cells.size(); ++i) {
    std::string ratio;
    if (i > 0 && raw[0] > 0 && raw[i] >= 0 && key.find("top1") == std::string::npos && key != "distance" &&
        key != "blocks_removed")
      ratio = fmt::format(" <small class=\"ratio\">({:.1f}%)</small>", 100 * raw[i] / raw[0]);
    row += fmt::format("<td data-value=\"{}\">{}{}</td>", cells[i].value, cells[i].text, ratio);
  }
  return row + "</tr>\n";
}

std::string facts_table(const std::vector<ModelFacts>& models) {
  std::string head = "<tr><th></th>";
  for (const ModelFacts& m : models)
    head += fmt::format("<th>{}<br><small>{}</small></th>", escape_html(m.role), escape_html(m.path));
  std::string rows;
  auto add = [&](const char* key, const char* label, auto cell_of, auto raw_of) {
    std::vector<Cell> cells;
    std::vector<double> raw;
    bool any = false;
    for (const ModelFacts& m : models) {
      cells.push_back(cell_of(m));
      raw.push_back(raw_of(m));
      any = any || raw.back() >= 0;
    }
    if (any) rows += facts_row(key, label, cells, raw);
  };
  add("test_top1", "top-1, test split <small>(recorded in the file)</small>",
      [](const ModelFacts& m) { return percent_cell(m.test_top1); }, [](const ModelFacts& m) { return m.test_top1; });
  add("search_top1", "top-1, search split <small>(the search's score)</small>",
      [](const ModelFacts& m) { return percent_cell(m.search_top1); }, [](const ModelFacts& m) { return m.search_top1; });
  add("distance", "feature distance to the original <small>(search split)</small>",
      [](const ModelFacts& m) { return m.distance < 0 ? Cell{} : Cell{fmt::format("{:.4f}", m.distance), fmt::format("{:.6g}", m.distance)}; },
      [](const ModelFacts& m) { return m.distance; });
  add("macs", "MACs per image", [](const ModelFacts& m) { return count_cell(m.macs); },
      [](const ModelFacts& m) { return static_cast<double>(m.macs); });
  add("params", "parameters", [](const ModelFacts& m) { return count_cell(m.params); },
      [](const ModelFacts& m) { return static_cast<double>(m.params); });
  add("latency_b1", "latency, batch 1", [](const ModelFacts& m) { return ms_cell(m.latency_b1_ms); },
      [](const ModelFacts& m) { return m.latency_b1_ms; });
  add("latency_b32", "latency, batch 32", [](const ModelFacts& m) { return ms_cell(m.latency_b32_ms); },
      [](const ModelFacts& m) { return m.latency_b32_ms; });
  add("file_bytes", "file size", [](const ModelFacts& m) { return bytes_cell(m.file_bytes); },
      [](const ModelFacts& m) { return static_cast<double>(m.file_bytes); });
  add("blocks_removed", "residual blocks removed",
      [](const ModelFacts& m) { return m.blocks_removed < 0 ? Cell{} : Cell{std::to_string(m.blocks_removed), std::to_string(m.blocks_removed)}; },
      [](const ModelFacts& m) { return static_cast<double>(m.blocks_removed); });
  return "<table id=\"summary\"><thead>" + head + "</tr></thead><tbody>\n" + rows + "</tbody></table>\n";
}

std::string widths_table(const std::vector<LayerWidth>& widths) {
  std::string rows;
  for (const LayerWidth& w : widths) {
    const std::string kept = w.removed ? "removed" : std::to_string(w.kept);
    const std::string groups = w.conv_groups_before == w.conv_groups_after
                                   ? std::to_string(w.conv_groups_after)
                                   : fmt::format("{} → {}", w.conv_groups_before, w.conv_groups_after);
    rows += fmt::format(
        "<tr data-group=\"{}\"{}><td>{}</td><td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        escape_html(w.group), w.removed ? " class=\"removed\"" : "", escape_html(w.group), w.original, w.original,
        w.removed ? 0 : w.kept, kept, w.original > 0 && !w.removed ? fmt::format("{:.0f}%", 100.0 * w.kept / w.original) : "—",
        groups + (w.prunable ? "" : " <small>(pinned)</small>"));
  }
  return "<table id=\"widths\"><thead><tr><th>group (first producer)</th><th>original</th><th>kept</th><th>kept %</th>"
         "<th>conv groups</th></tr></thead><tbody>\n" + rows + "</tbody></table>\n";
}

std::string time_table(const json& seconds) {
  double total = 0;
  for (const auto& [phase, s] : seconds.items()) total += s.get<double>();
  std::string rows;
  for (const auto& [phase, s] : seconds.items())
    rows += fmt::format("<tr data-phase=\"{}\"><td>{}</td><td data-value=\"{:.6g}\">{:.{}f} s</td><td>{:.0f}%</td></tr>\n",
                        phase, phase, s.get<double>(), s.get<double>(), s.get<double>() < 10 ? 2 : 1,
                        total > 0 ? 100 * s.get<double>() / total : 0.0);
  return "<table id=\"time\"><thead><tr><th>phase</th><th>seconds</th><th>share</th></tr></thead><tbody>\n" + rows +
         "</tbody></table>\n";
}

std::string notes_list(const std::vector<std::string>& notes) {
  if (notes.empty()) return "";
  std::string items;
  for (const std::string& n : notes) items += "<li>" + escape_html(n) + "</li>\n";
  return "<section id=\"notes\" class=\"notes\"><h2>Missing or incomplete</h2><ul>\n" + items + "</ul></section>\n";
}

std::string run_section(const ReportInput& in) {
  std::string s = "<section id=\"run\"><h2>Run</h2>\n";
  if (in.run.is_object() && in.run.contains("command"))
    s += "<pre id=\"command\">" + escape_html(in.run["command"].get<std::string>()) + "</pre>\n";
  if (in.run.is_object() && in.run.contains("options")) {
    const json& o = in.run["options"];
    if (o.contains("seed")) s += fmt::format("<p>seed <b id=\"seed\">{}</b></p>\n", o["seed"].dump());
    if (in.chosen_id >= 0)
      s += fmt::format("<p>chosen candidate <b id=\"chosen\">#{}</b> of {} in the log</p>\n", in.chosen_id, in.log.size());
    s += "<details><summary>every resolved option</summary><pre id=\"options\">" + escape_html(o.dump(2)) +
         "</pre></details>\n";
  }
  return s + "</section>\n";
}

/// What report_page.js draws from (only the data the charts need).
json chart_data(const ReportInput& in) {
  json widths = json::array();
  for (const LayerWidth& w : in.widths)
    widths.push_back({{"group", w.group}, {"original", w.original}, {"kept", w.removed ? 0 : w.kept},
                      {"removed", w.removed}, {"groups_before", w.conv_groups_before}, {"groups_after", w.conv_groups_after}});
  json models = json::array();
  for (const ModelFacts& m : in.models)
    models.push_back({{"role", m.role}, {"path", m.path}, {"macs", m.macs}, {"params", m.params},
                      {"latency_ms", m.latency_b1_ms}, {"search_top1", m.search_top1}});
  return {{"method", in.method},
          {"models", models},
          {"widths", widths},
          {"log", in.log},
          {"pareto", in.pareto},
          {"chosen_id", in.chosen_id},
          {"cost_key", in.cost_key},
          {"budget_target", in.budget_target},
          {"gconv_layers", in.gconv_layers},
          {"time", time_breakdown(in.log)}};
}

std::string charts_sections(const ReportInput& in) {
  std::string s;
  if (!in.widths.empty())
    s += "<section id=\"layers\"><h2>Per-layer widths</h2><p>Channels of every group, original vs. kept, in network "
         "order; removed blocks in red.</p><div class=\"chart tall\"><canvas id=\"chart-widths\"></canvas></div>\n"
         "<details><summary>table</summary>" + widths_table(in.widths) + "</details></section>\n";
  const bool gconv = in.method == "gconv";
  if (!in.log.empty()) {
    s += gconv ? "<section id=\"search\"><h2>Local search</h2><p>Each step merges one conv into fewer groups: the "
                 "pruning cost (weight mass outside the blocks) against the budget's resource.</p>"
                 "<div class=\"chart\"><canvas id=\"chart-trajectory\"></canvas></div></section>\n"
               : "<section id=\"search\"><h2>Search</h2><p>Reward and score of every candidate, with the running best "
                 "and a moving mean: a learning search climbs.</p><div class=\"chart\"><canvas id=\"chart-curve\">"
                 "</canvas></div>\n<h3>Trade-off</h3><p>Score against cost of every candidate; the Pareto front, the "
                 "budget and the chosen candidate are marked, and the other models where the report scored them on the same "
                 "split.</p><div class=\"chart\"><canvas id=\"chart-pareto\">"
                 "</canvas></div></section>\n";
  }
  if (gconv && !in.gconv_layers.is_null())
    s += "<section id=\"gconv\"><h2>Group counts</h2><p>The group count the search chose for every conv.</p>"
         "<div class=\"chart\"><canvas id=\"chart-groups\"></canvas></div></section>\n";
  const json seconds = time_breakdown(in.log);
  if (!seconds.empty())
    s += "<section id=\"times\"><h2>Where the time went</h2><div class=\"chart small\"><canvas id=\"chart-time\">"
         "</canvas></div>" + time_table(seconds) + "</section>\n";
  return s;
}

}  // namespace

json time_breakdown(const std::vector<json>& log) {
  json total = json::object();
  for (const json& line : log) {
    if (!line.contains("seconds") || !line["seconds"].is_object()) continue;
    for (const auto& [phase, s] : line["seconds"].items())
      if (s.is_number()) total[phase] = total.value(phase, 0.0) + s.get<double>();
  }
  return total;
}

std::string render_report_page(const ReportInput& in) {
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>" << escape_html(in.title) << " — prunekit report</title>\n<style>" << report_assets::kPageStyle
       << "</style>\n</head><body>\n<header><h1>" << escape_html(in.title) << "</h1><p class=\"source\">"
       << escape_html(in.source) << "</p></header>\n<main>\n"
       << notes_list(in.notes) << run_section(in) << "<section id=\"before-after\"><h2>Before / after</h2>\n"
       << facts_table(in.models);
  if (!in.threads_note.empty()) page << "<p class=\"small\">Latency: " << escape_html(in.threads_note) << ".</p>\n";
  page << "</section>\n"
       << charts_sections(in) << "</main>\n<footer>prunekit report · charts by Chart.js " << report_assets::kChartJsVersion
       << " (MIT licence), inlined: this page makes no network request.</footer>\n"
       << "<script id=\"report-data\" type=\"application/json\">" << script_json(chart_data(in)) << "</script>\n"
       << "<script>" << report_assets::kChartJs << "</script>\n<script>" << report_assets::kPageScript
       << "</script>\n</body></html>\n";
  return page.str();
}

std::string report_text_summary(const ReportInput& in) {
  std::string text = fmt::format("{:<16}", "");
  for (const ModelFacts& m : in.models) text += fmt::format("{:>16}", m.role);
  text += fmt::format("\n{:<16}", "");
  for (const ModelFacts& m : in.models) {
    const std::string name = m.path.substr(m.path.find_last_of('/') + 1);  // npos + 1 == 0
    text += fmt::format("{:>16}", name.size() > 15 ? "…" + name.substr(name.size() - 14) : name);
  }
  text += "\n";
  auto row = [&](const char* label, auto value) {
    std::string line = fmt::format("{:<16}", label);
    bool any = false;
    for (const ModelFacts& m : in.models) {
      const std::string v = value(m);
      any = any || v != "—";
      line += fmt::format("{:>16}", v);
    }
    if (any) text += line + "\n";
  };
  row("top-1 test", [](const ModelFacts& m) {
    return m.test_top1 < 0 ? std::string("—") : fmt::format("{:.2f}%", 100 * m.test_top1);
  });
  row("top-1 search", [](const ModelFacts& m) {
    return m.search_top1 < 0 ? std::string("—") : fmt::format("{:.2f}%", 100 * m.search_top1);
  });
  row("feature distance", [](const ModelFacts& m) { return m.distance < 0 ? std::string("—") : fmt::format("{:.4f}", m.distance); });
  row("MACs", [](const ModelFacts& m) { return m.macs < 0 ? std::string("—") : human_count(static_cast<double>(m.macs)); });
  row("params", [](const ModelFacts& m) { return m.params < 0 ? std::string("—") : human_count(static_cast<double>(m.params)); });
  row("latency b1", [](const ModelFacts& m) { return m.latency_b1_ms < 0 ? std::string("—") : fmt::format("{:.3f} ms", m.latency_b1_ms); });
  row("latency b32", [](const ModelFacts& m) { return m.latency_b32_ms < 0 ? std::string("—") : fmt::format("{:.3f} ms", m.latency_b32_ms); });
  row("blocks removed", [](const ModelFacts& m) { return m.blocks_removed < 0 ? std::string("—") : std::to_string(m.blocks_removed); });
  for (const std::string& n : in.notes) text += "note: " + n + "\n";
  return text;
}

}  // namespace pk
