# Types for Cython, which compiles rules.py when the package is built (setup.py): C integers
# for positions and codes, C attributes for the compiled keywords. rules.py stays plain Python.
import cython
from matchers.lexicon cimport Lexicon

cdef Py_ssize_t SENTENCE_CODE, FIELD_CODE


cdef class Context:
    cdef readonly bytes singles, longer_firsts
    cdef readonly dict longer

    @cython.locals(last=Py_ssize_t, position=Py_ssize_t, code=Py_ssize_t, where=tuple)
    cpdef bint within(self, list codes, Py_ssize_t low, Py_ssize_t high, tuple skip=*)


cdef class Cue(Context):
    cdef readonly double factor
    cdef readonly Py_ssize_t before


cdef class Rule:
    cdef readonly object term
    cdef readonly Py_ssize_t order
    cdef readonly str family
    cdef readonly tuple words
    cdef readonly double weight
    cdef readonly Py_ssize_t gap, window
    cdef readonly Context near, unless


@cython.locals(size=Py_ssize_t, previous=Py_ssize_t, index=Py_ssize_t, word=Py_ssize_t,
               found=Py_ssize_t, position=Py_ssize_t, code=Py_ssize_t, where=list)
cpdef tuple occurrence(list codes, Py_ssize_t start, tuple words, Py_ssize_t gap, bint one_sentence)


cdef class Rules:
    cdef readonly list by_first
    cdef readonly Cue dedicated, passing
    cdef readonly object generic_factor
    cdef readonly frozenset no_subject

    @cython.locals(size=Py_ssize_t, codes=list, firsts=list, field_ends=list, index=Py_ssize_t, code=Py_ssize_t,
                   best=dict, subject=double, field=Py_ssize_t, field_start=Py_ssize_t, field_end=Py_ssize_t,
                   start=Py_ssize_t, sentence_start=Py_ssize_t, weight=double, cues=bint, points=double,
                   rule=Rule, where=tuple, code_of=dict, weak=set)
    cpdef list find(self, list tokens, Lexicon lexicon, list fields)

    @cython.locals(start=Py_ssize_t, end=Py_ssize_t, window=Py_ssize_t, unless=Context, near=Context,
                   sentence_end=Py_ssize_t, last=Py_ssize_t, points=double)
    cdef double _points(self, Rule rule, tuple where, list codes, Py_ssize_t field_start, Py_ssize_t field_end,
                        Py_ssize_t sentence_start, double weight, bint cues, double subject)

    cdef double _subject_factor(self, list tokens, list fields)


cdef bint _covers(tuple skip, tuple where)

cdef bint _all_weak(list tokens, tuple where, set weak)
