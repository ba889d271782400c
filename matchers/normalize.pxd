# Types for Cython, which compiles normalize.py when the package is built (see rules.pxd).
import cython

cdef Py_ssize_t _SPACE, _MARK, _DROPPED


@cython.locals(spans=list, start=Py_ssize_t, letters=bint, position=Py_ssize_t, char=Py_ssize_t)
cpdef list _shape_spans(bytes shape, Py_ssize_t count)
