-- Redis runs Lua 5.1 (global unpack); newer Lua moved it to table.unpack.
local unpack = unpack or table.unpack
