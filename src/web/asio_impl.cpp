// The one translation unit that compiles Asio and Beast. Every other file is
// built with BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION
// (set by CMake) and links against the definitions instantiated here, so the
// heavy headers are compiled once instead of in every file that uses them.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
