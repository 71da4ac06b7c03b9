"""treehole.hooks: the one registry higher apps register into from their AppConfig.ready()."""

from __future__ import annotations

import pytest

from treehole import hooks

NAME = "test_hooks_example"


def first():
    return "first"


def second():
    return "second"


def third():
    return "third"


def test_unknown_name_has_no_hooks():
    assert hooks.get_hooks("test_hooks_nothing_registered") == []


def test_register_as_call_and_decorator_keeps_registration_order():
    with hooks.register_temporarily(NAME, first):
        decorated = hooks.register(NAME)(second)
        try:
            assert decorated is second
            assert hooks.get_hooks(NAME) == [first, second]
        finally:
            hooks.unregister(NAME, second)
    assert hooks.get_hooks(NAME) == []


def test_order_sorts_before_registration():
    with hooks.register_temporarily(NAME, first, order=5):
        with hooks.register_temporarily(NAME, second, order=-5):
            with hooks.register_temporarily(NAME, third):
                assert hooks.get_hooks(NAME) == [second, third, first]


def test_registering_the_same_hook_twice_is_a_no_op():
    hooks.register(NAME, first)
    hooks.register(NAME, first)
    try:
        assert hooks.get_hooks(NAME) == [first]
    finally:
        hooks.unregister(NAME, first)
    assert hooks.get_hooks(NAME) == []


def test_objects_can_be_hooks():
    kind = object()
    with hooks.register_temporarily(NAME, kind):
        assert hooks.get_hooks(NAME) == [kind]


def test_register_temporarily_takes_pairs_and_removes_them_on_error():
    other = NAME + "_other"
    with pytest.raises(RuntimeError):
        with hooks.register_temporarily([(NAME, first), (other, second)]):
            assert hooks.get_hooks(NAME) == [first]
            assert hooks.get_hooks(other) == [second]
            raise RuntimeError("the block failed")
    assert hooks.get_hooks(NAME) == []
    assert hooks.get_hooks(other) == []


def test_register_temporarily_leaves_a_permanent_registration_alone():
    hooks.register(NAME, first)
    try:
        with hooks.register_temporarily(NAME, first):
            assert hooks.get_hooks(NAME) == [first]
        assert hooks.get_hooks(NAME) == [first]
    finally:
        hooks.unregister(NAME, first)


@hooks.register_temporarily(NAME, third)
def test_register_temporarily_as_a_decorator():
    assert hooks.get_hooks(NAME) == [third]


def test_decorator_registration_is_gone_after_the_decorated_test():
    assert hooks.get_hooks(NAME) == []


def test_register_temporarily_needs_a_hook_with_a_name():
    with pytest.raises(TypeError):
        hooks.register_temporarily(NAME)
