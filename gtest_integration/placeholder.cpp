// Replaced by the GoogleTest layer (environments, fixtures).
namespace mirakuru::gtest {}
