// `sweep watch` as a function: while a sweep's jobs run, every few seconds it
// reads where each job stands (as `sweep status`), collects what changed (as
// `sweep collect`, but deleting no checkpoint) and writes the report with the
// progress at its top and a script that reloads the page. It only reads the
// jobs' files: no job's state or folder changes, so stopping it (SIGINT,
// SIGTERM, SIGHUP) at any moment changes nothing; it stops between rounds,
// and every file it writes is written whole (temporary file, then rename).
// It ends by itself once no job is queued or running, after a last round.
#pragma once

#include <sweep/analyze/analyze.hpp>
#include <sweep/base/files.hpp>
#include <sweep/base/layout.hpp>
#include <sweep/collect/collect.hpp>
#include <sweep/collect/status.hpp>
#include <sweep/config/sweep_config.hpp>
#include <sweep/error.hpp>
#include <sweep/launch/process.hpp>
#include <sweep/launch/status.hpp>
#include <sweep/report/html_book.hpp>
#include <sweep/report/svg.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <poll.h>

namespace sweep {

/// @brief The seconds between two rounds of `sweep watch` when --every is not given.
inline constexpr double default_watch_seconds = 30;
/// @brief The range --every accepts: a round collects and renders the whole report, so not faster than a
/// second; and not slower than a day.
inline constexpr double min_watch_seconds = 1, max_watch_seconds = 86400;

/// @brief How `sweep watch` runs.
struct watch_options {
  double every = default_watch_seconds;  // seconds between rounds, and the page's reload period
  std::size_t max_rounds = 0;            // 0: until no job is queued or running (or a signal)
};

/// @brief One round: where the jobs stood, what collect said, and what was written.
struct watch_round {
  std::size_t round = 0;
  launch_status status;
  std::string collected;          // collect's status line
  std::filesystem::path page;     // analysis.html
  bool report = false;            // the full report (false: a progress page, nothing to analyse yet)
  std::string waiting;            // why there is no report yet
  bool last = false;              // no job queued or running: the watch ends after this round
};

/// @brief How a watch ended.
struct watch_result {
  std::size_t rounds = 0;
  int signal = 0;  // the signal that stopped it (0: it ended by itself)
  launch_status status;  // as the last round saw it
};

namespace detail {

/// @brief The progress block at the top of a watched page: the jobs' states, and (while the watch runs)
/// a script that reloads the page every `every` seconds, keeping the scroll position, with a checkbox to pause.
inline std::string watch_header(const launch_status& st, std::size_t round, double every, bool last) {
  auto count = [&](job_state s) { return st.count(s); };
  auto now = fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(std::time(nullptr)));
  auto finished = count(job_state::done) + count(job_state::failed) + count(job_state::stopped_early);
  std::string out = fmt::format(
      "<div id=\"sweep-live\" style=\"border:1px solid #bbb;border-radius:4px;padding:6px 10px;margin:0 0 .6em;background:#f6f8fa\" "
      "data-round=\"{}\" data-jobs=\"{}\" data-done=\"{}\" data-running=\"{}\" data-failed=\"{}\" data-stopped=\"{}\" "
      "data-stopped-early=\"{}\" data-queued=\"{}\" data-new=\"{}\" data-final=\"{}\">\n",
      round, st.jobs.size(), count(job_state::done), count(job_state::running), count(job_state::failed),
      count(job_state::stopped), count(job_state::stopped_early), count(job_state::queued), count(job_state::new_job), last ? 1 : 0);
  out += fmt::format("<b>{}</b> {}: <progress max=\"{}\" value=\"{}\"></progress> {}<br>\n",
                     last ? "Watch ended" : "Live report", now, std::max<std::size_t>(1, st.jobs.size()), finished,
                     plot::escape_xml(st.summary()));
  if (last) {
    out += "No job is queued or running: this is the last page `sweep watch` wrote (it no longer reloads).\n</div>\n";
    return out;
  }
  out += fmt::format(
      "Written by <code>sweep watch</code> (round {}): it collects and re-renders every {} s, and this page reloads "
      "as often. <label><input type=\"checkbox\" id=\"sweep-live-reload\" checked> reload</label>\n</div>\n",
      round, every);
  // The scroll position survives a reload (sessionStorage, per page); unticking the box pauses reloading.
  out += fmt::format(R"js(<script>
(function(){{var k='sweep-watch:'+location.pathname,box=document.getElementById('sweep-live-reload'),s=null;
try{{s=window.sessionStorage;}}catch(e){{}}
if(s&&s.getItem(k+':paused')==='1')box.checked=false;
box.addEventListener('change',function(){{if(s)s.setItem(k+':paused',box.checked?'0':'1');}});
window.addEventListener('load',function(){{var y=s&&s.getItem(k+':y');if(y!==null&&y!==undefined)window.scrollTo(0,+y);}});
setInterval(function(){{if(!box.checked)return;if(s)s.setItem(k+':y',String(window.scrollY));location.reload();}},{});
}})();
</script>
)js",
                     static_cast<long long>(every * 1000));
  return out;
}

/// @brief Whether an analysis error only says that nothing is left to analyse yet (no job has logged
/// its error record, or the filters keep none of the jobs so far): a watch shows progress, says why
/// each round, and waits.
inline bool nothing_to_analyse_yet(const error& e) {
  for (std::string_view says : {"has no jobs left to analyse", "has no job with", "run collect first"}) {
    if (e.message().find(says) != std::string::npos) return true;
  }
  return false;
}

/// @brief The page of a sweep with nothing to analyse yet: its title, the progress and why.
inline std::string waiting_page(const sweep_config& cfg, const std::string& header, const std::string& why) {
  html_book book(cfg.name);
  book.add_header_html(header);
  book.add_text(fmt::format("No report yet: {}. The report appears here when a job has logged its error ({}).", why, cfg.analyze.error));
  return book.to_html();
}

}  // namespace detail

/// @brief What is wrong with a period between rounds ("" when nothing is).
inline std::string watch_every_problem(double every) {
  if (every >= min_watch_seconds && every <= max_watch_seconds) return {};
  return fmt::format("expected seconds between rounds from {} to {}, got {}", min_watch_seconds, max_watch_seconds, every);
}

/// @brief Checks what a watch uses before its first round: the config's common, COLLECT and ANALYZE
/// values and its report sections, and the period (`every_key` names it in the message).
inline void check_watch(const sweep_config& cfg, const watch_options& opts, std::string_view every_key = "--every") {
  if (auto why = watch_every_problem(opts.every); !why.empty()) throw error({}, std::string(every_key), why);
  check_common_options(cfg);
  check_collect_options(cfg);
  check_analyze_options(cfg);
  (void)page_sections(cfg);
}

/// @brief Watches the sweep of `cfg` (see the top of this file); `on_round` hears of each round. Returns
/// when no job is queued or running (after a last round), after `opts.max_rounds` rounds, or when a
/// SIGINT, SIGTERM or SIGHUP arrives (between rounds; the round under way finishes first).
inline watch_result watch(const sweep_config& cfg, const watch_options& opts, const std::function<void(const watch_round&)>& on_round = {}) {
  check_watch(cfg, opts);
  signal_pipe signals({SIGINT, SIGTERM, SIGHUP});
  auto page = sweep_layout(sweep_dir(cfg)).analysis_file();
  watch_result result;
  for (std::size_t round = 1;; ++round) {
    watch_round r;
    r.round = round;
    r.page = page;
    // The status first: a job that ends after it is collected anyway, and a last round then sees every job's end.
    r.status = read_launch_status(cfg);
    r.last = r.status.count(job_state::queued) == 0 && r.status.count(job_state::running) == 0;
    bool launched = path_exists(sweep_layout(sweep_dir(cfg)).logs_dir());
    if (launched) {
      collect_run_options run;
      run.delete_checkpoints = false;
      r.collected = status_line(collect(cfg, run));
    }
    auto header = detail::watch_header(r.status, round, opts.every, r.last);
    if (!launched) {
      r.waiting = "the sweep has not been launched (no logs/ folder), so there is nothing to collect";
    } else {
      try {
        analyze(cfg, header);
        r.report = true;
      } catch (const error& e) {
        if (!detail::nothing_to_analyse_yet(e)) throw;
        r.waiting = e.message();
      }
    }
    if (!r.report) write_file_atomic(page, detail::waiting_page(cfg, header, r.waiting));
    result.rounds = round;
    result.status = r.status;
    if (on_round) on_round(r);
    if (r.last || (opts.max_rounds > 0 && round >= opts.max_rounds)) return result;
    pollfd fd{signals.read_fd(), POLLIN, 0};
    auto wait_ms = static_cast<int>(opts.every * 1000);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      if (::poll(&fd, 1, static_cast<int>(left)) > 0) {
        auto got = signals.drain();
        if (!got.empty()) {
          result.signal = got.front();
          return result;
        }
      }
    }
    // A signal that came while the round worked is in the pipe: checked before the next round starts.
    auto got = signals.drain();
    if (!got.empty()) {
      result.signal = got.front();
      return result;
    }
  }
}

}  // namespace sweep
