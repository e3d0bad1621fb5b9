// Boost.JSON, compiled into the program once (json/CMakeLists.txt says why).
// src.hpp, and Debian 12 ships no libboost_json for 1.81. Only this file may include
// src.hpp; anything else uses the ordinary <boost/json/...> headers.
#include <boost/json/src.hpp>
