// Draws the charts of a prunekit report (src/report/report_page.cpp) with Chart.js from the JSON
// in <script id="report-data">. Charts are drawn without animation, so the page is complete once
// this script has run; it then sets <body data-charts="N drawn" data-chart-errors="N failed">,
// which the browser test (tests/report/check_report.js) reads.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 12;
  const colors = { original: '#b8bec7', kept: '#2f6fb5', removed: '#c8413b', best: '#e08a1e', mean: '#2a9d5b', muted: '#9aa3ad' };
  let drawn = 0;
  let failed = 0;

  function draw(id, makeConfig) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    try {
      new Chart(canvas, makeConfig());
      drawn += 1;
    } catch (error) {
      failed += 1;
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = 'This chart could not be drawn: ' + error.message;
      canvas.parentNode.after(p);
      console.error(id, error);
    }
  }

  // 1.23M / 45.6K / 789 for counts; ms as is.
  function human(v) {
    if (data.cost_key === 'latency_ms') return v.toFixed(2) + ' ms';
    if (Math.abs(v) >= 1e9) return (v / 1e9).toFixed(2) + 'G';
    if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (Math.abs(v) >= 1e3) return (v / 1e3).toFixed(1) + 'K';
    return String(Math.round(v));
  }

  // The candidate's score on the search split: top-1 in %, or the feature distance (lower is better).
  const labelFree = data.log.length > 0 && data.log[0].distance !== undefined;
  const scoreName = labelFree ? 'feature distance (search split)' : 'top-1 % (search split, before fine-tuning)';
  function score(line) { return labelFree ? line.distance : 100 * line.accuracy; }

  function widthsChart() {
    const w = data.widths;
    return {
      type: 'bar',
      data: {
        labels: w.map((g) => g.group),
        datasets: [
          { label: 'original', data: w.map((g) => g.original), backgroundColor: colors.original },
          {
            label: 'kept',
            data: w.map((g) => (g.removed ? g.original : g.kept)),
            backgroundColor: w.map((g) => (g.removed ? colors.removed : colors.kept)),
          },
        ],
      },
      options: {
        plugins: {
          tooltip: { callbacks: { afterLabel: (c) => (w[c.dataIndex].removed ? 'block removed' : '') } },
          legend: { labels: { generateLabels: (chart) => Chart.defaults.plugins.legend.labels.generateLabels(chart)
            .concat(w.some((g) => g.removed) ? [{ text: 'removed block', fillStyle: colors.removed, strokeStyle: colors.removed, datasetIndex: -1 }] : []) } },
        },
        scales: { x: { ticks: { autoSkip: true, maxRotation: 70 } }, y: { title: { display: true, text: 'channels' }, beginAtZero: true } },
      },
    };
  }

  function movingMean(values, window) {
    const out = [];
    let sum = 0;
    for (let i = 0; i < values.length; i += 1) {
      sum += values[i];
      if (i >= window) sum -= values[i - window];
      out.push(sum / Math.min(i + 1, window));
    }
    return out;
  }

  function curveChart() {
    const log = data.log;
    const rewards = log.map((l) => l.reward);
    const window = Math.max(4, Math.round(log.length / 10));
    const mean = movingMean(rewards, window);
    let best = -Infinity;
    const running = [];
    log.forEach((l) => {
      if (l.budget_met && l.reward > best) best = l.reward;
      running.push({ x: l.id, y: Number.isFinite(best) ? best : null });
    });
    return {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'reward', data: log.map((l) => ({ x: l.id, y: l.reward })), backgroundColor: colors.kept, pointRadius: 2.5 },
          { label: 'running best (budget met)', data: running, type: 'line', stepped: true, borderColor: colors.best, pointRadius: 0, borderWidth: 2 },
          { label: 'moving mean of ' + window, data: log.map((l, i) => ({ x: l.id, y: mean[i] })), type: 'line', borderColor: colors.mean, pointRadius: 0, borderWidth: 2 },
          { label: scoreName, data: log.map((l) => ({ x: l.id, y: score(l) })), backgroundColor: colors.muted, pointRadius: 2, yAxisID: 'score' },
        ],
      },
      options: {
        scales: {
          x: { title: { display: true, text: 'candidate' } },
          y: { title: { display: true, text: 'reward' } },
          score: { position: 'right', title: { display: true, text: scoreName }, grid: { drawOnChartArea: false } },
        },
      },
    };
  }

  function paretoChart() {
    const key = data.cost_key;
    const log = data.log.filter((l) => l[key] !== undefined);
    const point = (l) => ({ x: l[key], y: score(l), id: l.id });
    const front = data.pareto && Array.isArray(data.pareto.front) ? data.pareto.front.filter((p) => p[key] !== undefined) : [];
    const ys = log.map(score);
    const datasets = [
      { label: 'candidate (budget met)', data: log.filter((l) => l.budget_met).map(point), backgroundColor: colors.kept, pointRadius: 3 },
      { label: 'candidate (over budget)', data: log.filter((l) => !l.budget_met).map(point), backgroundColor: colors.muted, pointRadius: 3 },
      { label: 'Pareto front', data: front.map(point), type: 'line', borderColor: colors.best, backgroundColor: colors.best, pointRadius: 4, borderWidth: 2 },
    ];
    const chosen = log.filter((l) => l.id === data.chosen_id);
    if (chosen.length > 0)
      datasets.push({ label: 'chosen #' + data.chosen_id, data: chosen.map(point), backgroundColor: colors.removed, borderColor: colors.removed, pointStyle: 'star', pointRadius: 10, borderWidth: 2 });
    // The other models scored on the search split (original, fine-tuned, one-shot baselines).
    const shapes = ['triangle', 'rectRot', 'crossRot', 'rect', 'circle'];
    data.models.filter((m) => m.role !== 'searched' && m.search_top1 >= 0 && m[key] >= 0 && !labelFree).forEach((m, i) => {
      ys.push(100 * m.search_top1);
      datasets.push({ label: m.role + ' ' + m.path.split('/').pop(), data: [{ x: m[key], y: 100 * m.search_top1 }], pointStyle: shapes[i % shapes.length], pointRadius: 8, backgroundColor: '#7b5ea7', borderColor: '#7b5ea7' });
    });
    if (data.budget_target > 0 && ys.length > 0)
      datasets.push({ label: 'budget', data: [{ x: data.budget_target, y: Math.min(...ys) }, { x: data.budget_target, y: Math.max(...ys) }], type: 'line', borderColor: colors.removed, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
    return {
      type: 'scatter',
      data: { datasets },
      options: {
        plugins: { tooltip: { callbacks: { label: (c) => (c.raw.id !== undefined ? '#' + c.raw.id : c.dataset.label) + ': ' + human(c.raw.x) + ', ' + c.raw.y.toFixed(3) } } },
        scales: {
          x: { title: { display: true, text: key }, ticks: { callback: (v) => human(v) } },
          y: { title: { display: true, text: scoreName } },
        },
      },
    };
  }

  function trajectoryChart() {
    const key = data.log[0].macs !== undefined ? 'macs' : 'params';
    return {
      type: 'scatter',
      data: { datasets: [{ label: 'local-search step', data: data.log.map((l) => ({ x: l[key], y: l.pruning_cost })), showLine: true, borderColor: colors.kept, backgroundColor: colors.kept }] },
      options: {
        scales: {
          x: { title: { display: true, text: key }, ticks: { callback: (v) => human(v) } },
          y: { title: { display: true, text: 'pruning cost (weight mass outside the blocks)' } },
        },
      },
    };
  }

  function groupsChart() {
    const layers = data.gconv_layers;
    return {
      type: 'bar',
      data: { labels: layers.map((l) => l.conv), datasets: [{ label: 'chosen group count G', data: layers.map((l) => l.chosen), backgroundColor: colors.kept }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'groups' } }, x: { ticks: { maxRotation: 70 } } } },
    };
  }

  function timeChart() {
    const phases = Object.keys(data.time);
    const palette = [colors.kept, colors.best, colors.mean, colors.removed, colors.muted, '#7b5ea7'];
    return {
      type: 'doughnut',
      data: { labels: phases, datasets: [{ data: phases.map((p) => data.time[p]), backgroundColor: phases.map((p, i) => palette[i % palette.length]) }] },
      options: { plugins: { legend: { position: 'right' }, tooltip: { callbacks: { label: (c) => c.label + ': ' + c.raw.toFixed(1) + ' s' } } } },
    };
  }

  draw('chart-widths', widthsChart);
  draw('chart-curve', curveChart);
  draw('chart-pareto', paretoChart);
  draw('chart-trajectory', trajectoryChart);
  draw('chart-groups', groupsChart);
  draw('chart-time', timeChart);
  document.body.dataset.charts = String(drawn);
  document.body.dataset.chartErrors = String(failed);
})();
