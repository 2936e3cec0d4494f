#include "distributed/mpi_runtime.h"

#include <mpi.h>
#include <sched.h>

#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#include "core/error.h"
#include "core/timer.h"

namespace pk {
namespace {

// MPI counts are ints: long messages go in pieces of this many bytes.
constexpr int64_t kChunk = 1 << 30;

void check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(fmt::format("{} failed: {}", call, std::string(text, static_cast<size_t>(length))));
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  check_mpi(MPI_Get_processor_name(name, &length), "MPI_Get_processor_name");
  return std::string(name, static_cast<size_t>(length));
}

}  // namespace

/// A message posted with MPI_Isend and its bytes, which must live until it has left.
struct MpiRuntime::Posted {
  int rank = 0;
  std::string bytes;
  MPI_Request request = MPI_REQUEST_NULL;
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

MpiRuntime::MpiRuntime(int* argc, char*** argv) {
  int provided = 0;
  // SERIALIZED: the main thread makes the calls, and a helper only while it waits (progress_in_background).
  check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  serialized_ = provided >= MPI_THREAD_SERIALIZED;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
            "MPI_Comm_split_type");
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
  const std::string mine = processor_name();
  std::vector<char> names(static_cast<size_t>(size_) * MPI_MAX_PROCESSOR_NAME, '\0');
  std::vector<char> padded(MPI_MAX_PROCESSOR_NAME, '\0');
  mine.copy(padded.data(), padded.size() - 1);
  check_mpi(MPI_Allgather(padded.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names.data(), MPI_MAX_PROCESSOR_NAME,
                          MPI_CHAR, MPI_COMM_WORLD),
            "MPI_Allgather");
  for (int r = 0; r < size_; ++r) hosts_.emplace_back(names.data() + static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME);
}

MpiRuntime::~MpiRuntime() { finish(0); }

int MpiRuntime::threads_per_rank() const {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  int threads = std::max(1, cores / local_size_);
  cpu_set_t bound;
  if (sched_getaffinity(0, sizeof bound, &bound) == 0) threads = std::min(threads, std::max(1, CPU_COUNT(&bound)));
  return threads;
}

std::string MpiRuntime::describe(int rank) const { return fmt::format("rank {} on host {}", rank, host(rank)); }

void MpiRuntime::finish(int exit_code) {
  if (finished_) return;
  finished_ = true;
  if (abort_) MPI_Abort(MPI_COMM_WORLD, exit_code == 0 ? 1 : exit_code);
  MPI_Finalize();
}

bool MpiRuntime::send(int rank, MessageTag tag, const std::string& bytes, double timeout_seconds) {
  // Posted, so a receiver that stopped answering is noticed (a long message waits for it), and
  // the posted copy outlives a timeout.
  post(rank, tag, bytes);
  const Timer waited;
  while (unsent_to(rank) > 0) {
    if (waited.seconds() > timeout_seconds) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

void MpiRuntime::post(int rank, MessageTag tag, std::string bytes) {
  PK_ASSERT(bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max()), "message of {} bytes is too long",
            bytes.size());
  posted_.push_back(Posted{rank, std::move(bytes), MPI_REQUEST_NULL});
  Posted& p = posted_.back();
  check_mpi(MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_CHAR, rank, static_cast<int>(tag),
                      MPI_COMM_WORLD, &p.request),
            "MPI_Isend");
  bytes_sent_ += p.bytes.size();
  complete_posted();
}

void MpiRuntime::complete_posted() {
  for (auto it = posted_.begin(); it != posted_.end();) {
    int done = 0;
    check_mpi(MPI_Test(&it->request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    it = done ? posted_.erase(it) : std::next(it);
  }
}

void MpiRuntime::drive_progress() {
  complete_posted();
  int arrived = 0;
  check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE), "MPI_Iprobe");
}

int MpiRuntime::unsent_to(int rank) {
  complete_posted();
  return static_cast<int>(std::count_if(posted_.begin(), posted_.end(), [&](const Posted& p) { return p.rank == rank; }));
}

std::optional<MpiMessage> MpiRuntime::poll(int source, std::optional<MessageTag> tag) {
  complete_posted();
  int arrived = 0;
  MPI_Status status;
  const int from = source < 0 ? MPI_ANY_SOURCE : source;
  const int which = tag ? static_cast<int>(*tag) : MPI_ANY_TAG;
  check_mpi(MPI_Iprobe(from, which, MPI_COMM_WORLD, &arrived, &status), "MPI_Iprobe");
  if (!arrived) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  MpiMessage m;
  m.source = status.MPI_SOURCE;
  m.tag = static_cast<MessageTag>(status.MPI_TAG);
  m.bytes.resize(static_cast<size_t>(count));
  check_mpi(MPI_Recv(m.bytes.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE),
            "MPI_Recv");
  bytes_received_ += m.bytes.size();
  return m;
}

std::string MpiRuntime::broadcast(const std::string& bytes) {
  int64_t length = rank_ == 0 ? static_cast<int64_t>(bytes.size()) : 0;
  check_mpi(MPI_Bcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  std::string out = rank_ == 0 ? bytes : std::string(static_cast<size_t>(length), '\0');
  for (int64_t at = 0; at < length; at += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, length - at));
    check_mpi(MPI_Bcast(out.data() + at, n, MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
  return out;
}

std::vector<std::string> MpiRuntime::gather(const std::string& bytes) {
  PK_ASSERT(bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max()), "gather of {} bytes", bytes.size());
  const int length = static_cast<int>(bytes.size());
  std::vector<int> lengths(static_cast<size_t>(size_));
  check_mpi(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<int> offsets(static_cast<size_t>(size_), 0);
  int64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    offsets[static_cast<size_t>(r)] = static_cast<int>(total);
    total += lengths[static_cast<size_t>(r)];
  }
  PK_ASSERT(total <= std::numeric_limits<int>::max(), "gather of {} bytes in total", total);
  std::string all(rank_ == 0 ? static_cast<size_t>(total) : 0, '\0');
  check_mpi(MPI_Gatherv(bytes.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
                        MPI_COMM_WORLD),
            "MPI_Gatherv");
  std::vector<std::string> out;
  if (rank_ != 0) return out;
  for (int r = 0; r < size_; ++r)
    out.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(r)]),
                             static_cast<size_t>(lengths[static_cast<size_t>(r)])));
  return out;
}

/// One turn of the progress engine every 5 ms until stopped (short next to any candidate; more
/// often takes measurable CPU from the scoring thread).
struct BackgroundProgress::Helper {
  explicit Helper(MpiRuntime& mpi)
      : thread([this, &mpi] {
          while (!stop.load()) {
            mpi.drive_progress();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }) {}
  std::atomic<bool> stop{false};
  std::thread thread;
};

BackgroundProgress::BackgroundProgress(MpiRuntime& mpi) {
  if (mpi.serialized_ && mpi.size() > 1) helper_ = std::make_unique<Helper>(mpi);
}

BackgroundProgress::~BackgroundProgress() {
  if (!helper_) return;
  helper_->stop.store(true);
  helper_->thread.join();
}

}  // namespace pk
