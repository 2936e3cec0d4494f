#include "data/loader.h"

#include <ATen/ATen.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "data/random.h"

namespace pk {

namespace {
constexpr uint64_t kOrderStream = 0x6f72646572ull;    // "order"
constexpr uint64_t kAugmentStream = 0x6175676dull;    // "augm"
}  // namespace

// Threading: one consumer (the thread calling start_epoch/next) and at most one worker. The
// worker reads `data` and the epoch plan, which only change while no worker runs.
struct DataLoader::Impl {
  Dataset data;
  LoaderOptions options;
  int64_t samples = 0;  // per epoch, after drop_last
  int64_t batches = 0;
  bool augment = false;

  // The current epoch's plan, in delivery order: sample indices and per-position augmentation.
  at::Tensor order, offset_y, offset_x, flip;  // int64 [samples of the dataset]

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Batch> queue;
  bool cancel = false, done = false;
  std::exception_ptr error;
  std::thread worker;
  bool started = false;
  int64_t next_sync_batch = 0;  // prefetch == 0 only

  Batch make_batch(int64_t b) const {
    const int64_t begin = b * options.batch_size;
    const int64_t end = std::min(begin + options.batch_size, data.size());
    const at::Tensor index = order.slice(0, begin, end);
    at::Tensor images = data.images.index_select(0, index);
    if (augment) {
      images = crop_flip(images, options.augment.crop_padding, offset_y.slice(0, begin, end),
                         offset_x.slice(0, begin, end), flip.slice(0, begin, end));
    }
    return Batch{normalize_images(images, options.normalization),
                 data.has_labels() ? data.labels.index_select(0, index) : at::Tensor()};
  }

  void plan_epoch(int epoch) {
    const int64_t n = data.size();
    const uint64_t e = static_cast<uint64_t>(static_cast<int64_t>(epoch));
    std::vector<int64_t> perm;
    if (options.shuffle) {
      perm = random_permutation(n, derive_seed(options.seed, kOrderStream, e));
    } else {
      perm.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
    }
    order = at::from_blob(perm.data(), {n}, at::kLong).clone();
    if (!augment) return;
    std::vector<int64_t> oy(static_cast<size_t>(n)), ox(static_cast<size_t>(n)), fl(static_cast<size_t>(n));
    Rng rng(derive_seed(options.seed, kAugmentStream, e));
    const uint64_t offsets = 2 * static_cast<uint64_t>(options.augment.crop_padding) + 1;
    const int64_t centre = options.augment.crop_padding;
    for (size_t i = 0; i < oy.size(); ++i) {
      oy[i] = options.augment.crop_padding > 0 ? static_cast<int64_t>(rng.below(offsets)) : centre;
      ox[i] = options.augment.crop_padding > 0 ? static_cast<int64_t>(rng.below(offsets)) : centre;
      fl[i] = options.augment.horizontal_flip ? static_cast<int64_t>(rng.below(2)) : 0;
    }
    offset_y = at::from_blob(oy.data(), {n}, at::kLong).clone();
    offset_x = at::from_blob(ox.data(), {n}, at::kLong).clone();
    flip = at::from_blob(fl.data(), {n}, at::kLong).clone();
  }

  void run() {
    try {
      for (int64_t b = 0; b < batches; ++b) {
        {
          std::unique_lock<std::mutex> lock(mutex);
          changed.wait(lock, [&] { return cancel || static_cast<int64_t>(queue.size()) < options.prefetch; });
          if (cancel) return;
        }
        Batch batch = make_batch(b);  // outside the lock: the consumer keeps taking batches
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (cancel) return;
          queue.push_back(std::move(batch));
        }
        changed.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    changed.notify_all();
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      cancel = true;
    }
    changed.notify_all();
    if (worker.joinable()) worker.join();
    queue.clear();
    cancel = false;
    done = false;
    error = nullptr;
  }
};

LoaderOptions LoaderOptions::in_order(int64_t batch_size, const Normalization& normalization) {
  LoaderOptions o;
  o.batch_size = batch_size;
  o.shuffle = false;
  o.normalization = normalization;
  return o;
}

LoaderOptions LoaderOptions::sampled(int64_t batch_size, const Normalization& normalization, uint64_t seed) {
  LoaderOptions o;
  o.batch_size = batch_size;
  o.shuffle = true;
  o.seed = seed;
  o.normalization = normalization;
  o.prefetch = 0;
  return o;
}

DataLoader::DataLoader(const Dataset& data, LoaderOptions options) : impl_(std::make_unique<Impl>()) {
  PK_CHECK(data.images.defined() && data.images.dim() == 4 && data.images.scalar_type() == at::kByte,
           "data loader for '{}': images must be uint8 [N, C, H, W]", data.name);
  PK_CHECK(!data.labels.defined() || (data.labels.dim() == 1 && data.labels.scalar_type() == at::kLong &&
                                       data.labels.size(0) == data.images.size(0)),
           "data loader for '{}': labels must be int64 [N] with N = {} images (or absent)", data.name,
           data.images.size(0));
  PK_CHECK(options.batch_size > 0, "batch size must be > 0, got {}", options.batch_size);
  PK_CHECK(options.prefetch >= 0, "prefetch must be ≥ 0, got {}", options.prefetch);
  PK_CHECK(options.augment.crop_padding >= 0 && options.augment.crop_padding <= data.images.size(2) &&
               options.augment.crop_padding <= data.images.size(3),
           "crop padding must be in [0, image side], got {}", options.augment.crop_padding);
  // Validates the normalization against the channel count before any worker runs.
  normalize_images(data.images.slice(0, 0, 0), options.normalization);

  Impl& m = *impl_;
  m.data = data;
  m.data.images = data.images.contiguous();
  if (data.has_labels()) m.data.labels = data.labels.contiguous();
  m.options = std::move(options);
  m.augment = m.options.augment.crop_padding > 0 || m.options.augment.horizontal_flip;
  const int64_t n = m.data.size(), bs = m.options.batch_size;
  m.batches = m.options.drop_last ? n / bs : (n + bs - 1) / bs;
  m.samples = m.options.drop_last ? m.batches * bs : n;
}

DataLoader::~DataLoader() { impl_->stop(); }

void DataLoader::start_epoch(int epoch) {
  Impl& m = *impl_;
  m.stop();
  m.plan_epoch(epoch);
  m.started = true;
  m.next_sync_batch = 0;
  if (m.options.prefetch > 0) m.worker = std::thread([&m] { m.run(); });
}

bool DataLoader::next(Batch& out) {
  Impl& m = *impl_;
  if (!m.started) start_epoch(0);
  if (m.options.prefetch == 0) {
    if (m.next_sync_batch >= m.batches) return false;
    out = m.make_batch(m.next_sync_batch++);
    return true;
  }
  std::unique_lock<std::mutex> lock(m.mutex);
  m.changed.wait(lock, [&] { return !m.queue.empty() || m.done; });
  if (!m.queue.empty()) {
    out = std::move(m.queue.front());
    m.queue.pop_front();
    lock.unlock();
    m.changed.notify_all();
    return true;
  }
  if (m.error) {
    std::exception_ptr error = m.error;
    m.error = nullptr;
    std::rethrow_exception(error);
  }
  return false;
}

int64_t DataLoader::batches_per_epoch() const { return impl_->batches; }
int64_t DataLoader::samples_per_epoch() const { return impl_->samples; }
const LoaderOptions& DataLoader::options() const { return impl_->options; }

}  // namespace pk
