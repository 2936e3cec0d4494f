// expect_user_error: the assertion every input-validation test makes.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace pk::testing {

/// Runs `fn` and expects a pk::UserError whose message contains every one of `words`.
inline void expect_user_error(const std::function<void()>& fn, const std::vector<std::string>& words) {
  try {
    fn();
    ADD_FAILURE() << "expected pk::UserError containing '" << (words.empty() ? "" : words[0]) << "'";
  } catch (const pk::UserError& e) {
    const std::string message = e.what();
    for (const std::string& word : words) EXPECT_NE(message.find(word), std::string::npos) << "'" << word << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected pk::UserError, got another exception: " << e.what();
  }
}

}  // namespace pk::testing
