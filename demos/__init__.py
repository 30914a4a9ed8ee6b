"""The pygame demo world. Nothing imports demos; `gameai demo` launches it by module name."""
