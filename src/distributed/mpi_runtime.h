// The MPI job this process belongs to, when a launcher (mpirun, srun) started it. prunekit
// initialises MPI only then: a plain `prunekit ...` never touches MPI. Open MPI from Debian;
// this header keeps <mpi.h> out of its includers.
// Messages are byte strings (JSON) tagged with a MessageTag. MPI_THREAD_SERIALIZED: the main
// thread makes the MPI calls, and a BackgroundProgress helper only while the main thread makes none.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pk {

/// True if an MPI launcher started this process (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK set).
bool launched_by_mpi();

enum class MessageTag : int { kJob = 1, kResult = 2, kStop = 3 };

struct MpiMessage {
  int source = -1;
  MessageTag tag = MessageTag::kJob;
  std::string bytes;
};

class MpiRuntime {
 public:
  /// MPI_Init_thread; then every rank learns every rank's host name (collective).
  MpiRuntime(int* argc, char*** argv);
  /// finish(0) unless finish was called.
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  const std::string& host(int rank) const { return hosts_.at(static_cast<size_t>(rank)); }
  const std::string& host() const { return host(rank_); }
  /// "rank 2 on host node07", for messages.
  std::string describe(int rank) const;
  /// Ranks of this job on this host.
  int ranks_on_this_host() const { return local_size_; }
  /// The default thread count of this rank: the host's cores shared out among its ranks, and
  /// no more than the cores the launcher bound this rank to (mpirun binds each rank to one
  /// core when it starts ≤ 2; `--bind-to none` lifts that).
  int threads_per_rank() const;

  /// After a rank stopped answering, finish() ends the whole job with MPI_Abort (a hung rank
  /// can never reach MPI_Finalize).
  void require_abort() { abort_ = true; }
  /// MPI_Finalize, or MPI_Abort(exit_code) after require_abort(). Idempotent.
  void finish(int exit_code);

  /// Sends `bytes` to `rank`, waiting until the message has left this rank; false if that has
  /// not happened within `timeout_seconds` (a stopped receiver: require_abort() then, as the
  /// pending message can never be withdrawn).
  bool send(int rank, MessageTag tag, const std::string& bytes, double timeout_seconds = 1e30);
  /// Starts sending `bytes` to `rank` and returns at once; the message is delivered as the
  /// receiver takes it (it may be scoring for a while). poll() and send() move it along;
  /// unsent_to(rank) counts what has not left yet.
  void post(int rank, MessageTag tag, std::string bytes);
  int unsent_to(int rank);

  /// A message waiting from `source` (-1: any rank) with `tag`, if one has arrived; never blocks.
  std::optional<MpiMessage> poll(int source, std::optional<MessageTag> tag);
  /// Total bytes this rank sent and received with send/poll.
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }

  /// Rank 0's `bytes` on every rank (collective; any size).
  std::string broadcast(const std::string& bytes);
  /// On rank 0, every rank's `bytes` in rank order; elsewhere empty (collective).
  std::vector<std::string> gather(const std::string& bytes);

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
  /// Drops the posted messages that have left.
  void complete_posted();
  /// One turn of MPI's progress engine: tests the posted messages and probes (without
  /// receiving), so that queued fragments in both directions move.
  void drive_progress();

  std::vector<std::string> hosts_;
  struct Posted;
  std::list<Posted> posted_;
  uint64_t bytes_sent_ = 0, bytes_received_ = 0;
  bool abort_ = false, finished_ = false;
  bool serialized_ = false;  // MPI_THREAD_SERIALIZED provided: BackgroundProgress works
  friend class BackgroundProgress;
};

/// While it lives, a helper thread turns MPI's progress engine every 5 ms, for a thread that does
/// long work without MPI (rank 0 scoring a candidate). Without it a worker's queued job reached
/// the worker only at rank 0's next MPI call, and the worker idled for a whole candidate
/// (measured by a trace; docs/design.md "Distributed search"). The owning thread makes no MPI
/// call until it is destroyed. Does nothing without MPI_THREAD_SERIALIZED support or with one rank.
class BackgroundProgress {
 public:
  explicit BackgroundProgress(MpiRuntime& mpi);
  ~BackgroundProgress();
  BackgroundProgress(const BackgroundProgress&) = delete;
  BackgroundProgress& operator=(const BackgroundProgress&) = delete;

 private:
  struct Helper;
  std::unique_ptr<Helper> helper_;
};

}  // namespace pk
