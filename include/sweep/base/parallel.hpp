// Work on threads, as every stage runs it (setup's chunks, collect's logs,
// analyze's jobs): a fixed set of workers, or a loop over items handed out one
// at a time with progress reported from the calling thread. The first
// exception a worker throws stops the others and is rethrown to the caller.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sweep {

/// @brief Called with (items done, items in all) from the calling thread, about 10 times a second;
/// the last call is always (n, n).
using progress_callback = std::function<void(std::size_t done, std::size_t total)>;

/// @brief Runs `work(t)` for t in [0, threads) at once, t = 0 on the calling thread; rethrows the
/// first failure once all have ended.
template <class Work>
void run_on_threads(std::size_t threads, Work&& work) {
  std::vector<std::exception_ptr> failures(threads);
  auto guarded = [&](std::size_t t) {
    try {
      work(t);
    } catch (...) {
      failures[t] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(guarded, t);
    if (threads > 0) guarded(0);
  }
  for (auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

/// @brief How many threads share work on `n` items: every core, with at least `per_thread` items each.
inline std::size_t threads_for(std::size_t n, std::size_t per_thread = 64) {
  return std::min(static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency())), n / per_thread + 1);
}

/// @brief For parallel_for work that keeps nothing from item to item.
struct no_scratch {};

/// @brief Runs `work(i, scratch)` for i in [0, n) on `threads` threads, handing items out one at a
/// time; each thread has its own `Scratch` (buffers reused from item to item). `progress`, if set,
/// is called from this thread while the workers run.
template <class Scratch = no_scratch, class Work>
void parallel_for(std::size_t n, std::size_t threads, const progress_callback& progress, Work work) {
  if (n == 0) return;
  threads = std::clamp<std::size_t>(threads, 1, n);
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex m;
  std::condition_variable cv;
  std::exception_ptr failure;
  auto worker = [&] {
    Scratch scratch;
    for (;;) {
      auto i = next.fetch_add(1);
      if (i >= n) break;
      try {
        work(i, scratch);
      } catch (...) {
        std::lock_guard lock(m);
        if (!failure) failure = std::current_exception();
        next = n;  // stop the others too
      }
      if (done.fetch_add(1) + 1 == n) {
        std::lock_guard lock(m);
        cv.notify_all();
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    std::unique_lock lock(m);
    for (;;) {
      bool finished = cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return done.load() >= n || failure; });
      if (failure) break;
      if (progress) {
        lock.unlock();
        progress(std::min(done.load(), n), n);
        lock.lock();
      }
      if (finished) break;
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace sweep
