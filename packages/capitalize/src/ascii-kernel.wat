;; The WebAssembly SIMD kernel for ASCII text at probability 0.5 (see wasm-ascii.ts and the package README).
;; Assembled by `pnpm --filter @caprice/capitalize wasm` into ascii-kernel-wasm.ts; a unit test checks that the
;; committed bytes are exactly what this file assembles to.
;;
;; Memory layout (byte offsets; wasm-ascii.ts has the same constants):
;;   0      RLO: 256 x 8 bytes. Entry m, byte j: the rank of lane j among the set bits of m, or 0x80 if bit j is
;;          clear (i8x16.swizzle turns 0x80 into 0).
;;   2048   RHI: the same ranks plus 8.
;;   4096   STATE: the sfc32 state a, b, c, d before the block's first draw (written by the caller).
;;   6144   SPREAD: 256 x 8 bytes. Entry x, byte j: 0x20 if bit j of x is set, else 0.
;;   8192   STATES: generator snapshots, laid out as Sfc32.fill does: [0..3] the state before any draw, then at
;;          int index k/2 the state after draw k, for every k that is a multiple of 8.
;;   16384  WORDS: the bit pool. Word 0 holds the caller's leftover bits, word k >= 1 is draw k.
;;   32768  BYTES: the bit pool with one byte per bit: byte t is 0x20 when bit t of the pool is 1, else 0.
;;   131072 TEXT: the text, zero-padded to a multiple of 64 bytes.
(module
  (memory (export "memory") 3)

  ;; Fills the rank tables; called once after instantiation.
  (func (export "init")
    (local $m i32) (local $j i32) (local $r i32) (local $at i32)
    (loop $masks
      (local.set $r (i32.const 0))
      (local.set $j (i32.const 0))
      (loop $lanes
        (local.set $at (i32.add (i32.shl (local.get $m) (i32.const 3)) (local.get $j)))
        (if (i32.and (local.get $m) (i32.shl (i32.const 1) (local.get $j)))
          (then
            (i32.store8 (local.get $at) (local.get $r))
            (i32.store8 offset=2048 (local.get $at) (i32.add (local.get $r) (i32.const 8)))
            (local.set $r (i32.add (local.get $r) (i32.const 1))))
          (else
            (i32.store8 (local.get $at) (i32.const 0x80))
            (i32.store8 offset=2048 (local.get $at) (i32.const 0x80))))
        (i32.store8 offset=6144 (local.get $at)
          (i32.shl (i32.and (i32.shr_u (local.get $m) (local.get $j)) (i32.const 1)) (i32.const 5)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $lanes (i32.lt_u (local.get $j) (i32.const 8))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br_if $masks (i32.lt_u (local.get $m) (i32.const 256)))))

  ;; Writes word k of the pool ($x) as 32 bytes of 0x20 / 0 at BYTES + 32k, least significant bit first.
  (func $expand (param $k i32) (param $x i32)
    (local $at i32)
    (local.set $at (i32.shl (local.get $k) (i32.const 5)))
    (i64.store offset=32768 (local.get $at)
      (i64.load offset=6144 (i32.shl (i32.and (local.get $x) (i32.const 0xff)) (i32.const 3))))
    (i64.store offset=32776 (local.get $at)
      (i64.load offset=6144 (i32.and (i32.shr_u (local.get $x) (i32.const 5)) (i32.const 0x7f8))))
    (i64.store offset=32784 (local.get $at)
      (i64.load offset=6144 (i32.and (i32.shr_u (local.get $x) (i32.const 13)) (i32.const 0x7f8))))
    (i64.store offset=32792 (local.get $at)
      (i64.load offset=6144 (i32.and (i32.shr_u (local.get $x) (i32.const 21)) (i32.const 0x7f8)))))

  ;; Capitalizes [p, end) in place (a multiple of 64 bytes), 4 vectors of 16 bytes per iteration. Exported only
  ;; for the bench's anatomy (the kernel without drawing random bits). $t is the
  ;; address in BYTES of the next random bit; returns it advanced by the number of letters seen.
  ;; Per vector: letters are the bytes whose (b | 0x20) lies in 'a'..'z' (one signed compare after an offset), all
  ;; letters are lower-cased (| 0x20), and the bit of each letter is fetched with one swizzle: lanes 0..7 index
  ;; their rank into the 8 pool bytes at t, lanes 8..15 index rank + 8 into the 8 pool bytes at t + (letters in
  ;; lanes 0..7). A set bit gives 0x20, which the xor turns back into upper case.
  (func $kernel (export "kernel") (param $p i32) (param $end i32) (param $t i32) (result i32)
    (local $c20 v128) (local $c1f v128) (local $c9a v128)
    (local $v0 v128) (local $l0 v128) (local $m0 i32) (local $t0 i32)
    (local $v1 v128) (local $l1 v128) (local $m1 i32) (local $t1 i32)
    (local $v2 v128) (local $l2 v128) (local $m2 i32) (local $t2 i32)
    (local $v3 v128) (local $l3 v128) (local $m3 i32) (local $t3 i32)
    (local.set $c20 (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
    (local.set $c1f (v128.const i8x16 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f))
    ;; (b | 0x20) + 0x1f maps 'a'..'z' to -128..-103 (signed), everything else ASCII to -102..126.
    (local.set $c9a (v128.const i8x16 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a 0x9a))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $vectors
        (local.set $v0 (v128.load offset=0 (local.get $p)))
        (local.set $l0 (i8x16.lt_s (i8x16.add (v128.or (local.get $v0) (local.get $c20)) (local.get $c1f)) (local.get $c9a)))
        (local.set $m0 (i8x16.bitmask (local.get $l0)))
        (local.set $t0 (local.get $t))
        (local.set $t (i32.add (local.get $t) (i32.popcnt (local.get $m0))))
        (local.set $v1 (v128.load offset=16 (local.get $p)))
        (local.set $l1 (i8x16.lt_s (i8x16.add (v128.or (local.get $v1) (local.get $c20)) (local.get $c1f)) (local.get $c9a)))
        (local.set $m1 (i8x16.bitmask (local.get $l1)))
        (local.set $t1 (local.get $t))
        (local.set $t (i32.add (local.get $t) (i32.popcnt (local.get $m1))))
        (local.set $v2 (v128.load offset=32 (local.get $p)))
        (local.set $l2 (i8x16.lt_s (i8x16.add (v128.or (local.get $v2) (local.get $c20)) (local.get $c1f)) (local.get $c9a)))
        (local.set $m2 (i8x16.bitmask (local.get $l2)))
        (local.set $t2 (local.get $t))
        (local.set $t (i32.add (local.get $t) (i32.popcnt (local.get $m2))))
        (local.set $v3 (v128.load offset=48 (local.get $p)))
        (local.set $l3 (i8x16.lt_s (i8x16.add (v128.or (local.get $v3) (local.get $c20)) (local.get $c1f)) (local.get $c9a)))
        (local.set $m3 (i8x16.bitmask (local.get $l3)))
        (local.set $t3 (local.get $t))
        (local.set $t (i32.add (local.get $t) (i32.popcnt (local.get $m3))))
        (v128.store offset=0 (local.get $p)
          (v128.xor (v128.or (local.get $v0) (v128.and (local.get $l0) (local.get $c20)))
            (i8x16.swizzle
              (v128.load64_lane 1 (i32.add (local.get $t0) (i32.popcnt (i32.and (local.get $m0) (i32.const 0xff))))
                (v128.load64_zero (local.get $t0)))
              (v128.load64_lane offset=2048 1 (i32.and (i32.shr_u (local.get $m0) (i32.const 5)) (i32.const 0x7f8))
                (v128.load64_zero (i32.shl (i32.and (local.get $m0) (i32.const 0xff)) (i32.const 3)))))))
        (v128.store offset=16 (local.get $p)
          (v128.xor (v128.or (local.get $v1) (v128.and (local.get $l1) (local.get $c20)))
            (i8x16.swizzle
              (v128.load64_lane 1 (i32.add (local.get $t1) (i32.popcnt (i32.and (local.get $m1) (i32.const 0xff))))
                (v128.load64_zero (local.get $t1)))
              (v128.load64_lane offset=2048 1 (i32.and (i32.shr_u (local.get $m1) (i32.const 5)) (i32.const 0x7f8))
                (v128.load64_zero (i32.shl (i32.and (local.get $m1) (i32.const 0xff)) (i32.const 3)))))))
        (v128.store offset=32 (local.get $p)
          (v128.xor (v128.or (local.get $v2) (v128.and (local.get $l2) (local.get $c20)))
            (i8x16.swizzle
              (v128.load64_lane 1 (i32.add (local.get $t2) (i32.popcnt (i32.and (local.get $m2) (i32.const 0xff))))
                (v128.load64_zero (local.get $t2)))
              (v128.load64_lane offset=2048 1 (i32.and (i32.shr_u (local.get $m2) (i32.const 5)) (i32.const 0x7f8))
                (v128.load64_zero (i32.shl (i32.and (local.get $m2) (i32.const 0xff)) (i32.const 3)))))))
        (v128.store offset=48 (local.get $p)
          (v128.xor (v128.or (local.get $v3) (v128.and (local.get $l3) (local.get $c20)))
            (i8x16.swizzle
              (v128.load64_lane 1 (i32.add (local.get $t3) (i32.popcnt (i32.and (local.get $m3) (i32.const 0xff))))
                (v128.load64_zero (local.get $t3)))
              (v128.load64_lane offset=2048 1 (i32.and (i32.shr_u (local.get $m3) (i32.const 5)) (i32.const 0x7f8))
                (v128.load64_zero (i32.shl (i32.and (local.get $m3) (i32.const 0xff)) (i32.const 3)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br_if $vectors (i32.lt_u (local.get $p) (local.get $end)))))
    (local.get $t))

  ;; Capitalizes one block [p, end) of TEXT (at most 65536 bytes, a multiple of 64), starting at bit $first of the
  ;; pool (the caller put its leftover bits in word 0 and the generator state in STATE). Draws sfc32 outputs only
  ;; as far ahead as the next 4 KiB needs, recording snapshots so the caller can rewind the generator to just after
  ;; the last output actually used. Returns the bit position after the last letter.
  (func (export "block") (param $p i32) (param $end i32) (param $first i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $r i32)
    (local $k i32) (local $need i32) (local $t i32) (local $stop i32) (local $at i32)
    (local $x v128) (local $c20 v128) (local $bit v128) (local $sel0 v128) (local $sel1 v128)
    (local.set $c20 (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
    (local.set $bit (v128.const i8x16 1 2 4 8 16 32 64 128 1 2 4 8 16 32 64 128))
    (local.set $sel0 (v128.const i8x16 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1))
    (local.set $sel1 (v128.const i8x16 2 2 2 2 2 2 2 2 3 3 3 3 3 3 3 3))
    (local.set $a (i32.load (i32.const 4096)))
    (local.set $b (i32.load (i32.const 4100)))
    (local.set $c (i32.load (i32.const 4104)))
    (local.set $d (i32.load (i32.const 4108)))
    (v128.store (i32.const 8192) (v128.load (i32.const 4096)))
    (call $expand (i32.const 0) (i32.load (i32.const 16384)))
    (local.set $k (i32.const 1))
    (local.set $t (local.get $first))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $parts
        ;; Enough draws for the next 4096 letters plus what the kernel may look ahead (16 bytes of BYTES).
        (local.set $need (i32.add (i32.shr_u (i32.add (local.get $t) (i32.const 4096)) (i32.const 5)) (i32.const 2)))
        (block $drawn
          (br_if $drawn (i32.ge_u (local.get $k) (local.get $need)))
          (loop $draws
            ;; sfc32: r = a + b + d; d += 1; a = b ^ b >>> 9; b = c + (c << 3); c = rotl(c, 21) + r
            (local.set $r (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $d)))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (local.set $a (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 9))))
            (local.set $b (i32.add (local.get $c) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $c (i32.add (i32.rotl (local.get $c) (i32.const 21)) (local.get $r)))
            (i32.store offset=16384 (i32.shl (local.get $k) (i32.const 2)) (local.get $r))
            ;; 32 bits to 32 bytes: each byte lane picks its source byte, keeps its own bit, compares
            (local.set $at (i32.shl (local.get $k) (i32.const 5)))
            (local.set $x (i32x4.splat (local.get $r)))
            (v128.store offset=32768 (local.get $at)
              (v128.and (local.get $c20)
                (i8x16.eq (v128.and (i8x16.swizzle (local.get $x) (local.get $sel0)) (local.get $bit)) (local.get $bit))))
            (v128.store offset=32784 (local.get $at)
              (v128.and (local.get $c20)
                (i8x16.eq (v128.and (i8x16.swizzle (local.get $x) (local.get $sel1)) (local.get $bit)) (local.get $bit))))
            (if (i32.eqz (i32.and (local.get $k) (i32.const 7)))
              (then
                (i32.store offset=8192 (i32.shl (local.get $k) (i32.const 1)) (local.get $a))
                (i32.store offset=8196 (i32.shl (local.get $k) (i32.const 1)) (local.get $b))
                (i32.store offset=8200 (i32.shl (local.get $k) (i32.const 1)) (local.get $c))
                (i32.store offset=8204 (i32.shl (local.get $k) (i32.const 1)) (local.get $d))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $draws (i32.lt_u (local.get $k) (local.get $need)))))
        (local.set $stop (i32.add (local.get $p) (i32.const 4096)))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (local.set $t
          (i32.sub
            (call $kernel (local.get $p) (local.get $stop) (i32.add (local.get $t) (i32.const 32768)))
            (i32.const 32768)))
        (local.set $p (local.get $stop))
        (br_if $parts (i32.lt_u (local.get $p) (local.get $end)))))
    (local.get $t))
)
