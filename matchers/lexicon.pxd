# Types for Cython, which compiles lexicon.py when the package is built (see rules.pxd): the
# matcher reads `code_of` and `weak_tokens` for every session, as C attributes.

cdef class Lexicon:
    cdef frozenset _words, _never_corrected
    cdef object _fuzzy
    cdef readonly dict codes
    cdef dict _candidates, _anagrams, _hits
    cdef readonly dict code_of
    cdef readonly set weak_tokens

    cpdef Py_ssize_t code(self, str token)
    cpdef forget_if_full(self)
