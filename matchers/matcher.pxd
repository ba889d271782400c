# Types for Cython, which compiles matcher.py when the package is built (see rules.pxd).
from matchers.lexicon cimport Lexicon
from matchers.rules cimport Rules


cdef class Matcher:
    cdef readonly object keywords
    cdef readonly str version
    cdef readonly double threshold
    cdef list _fields
    cdef readonly Lexicon _lexicon
    cdef Rules _rules
