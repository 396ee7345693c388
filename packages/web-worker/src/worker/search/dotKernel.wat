;; The vector index's scan kernel (see dotKernel.ts): the dot product of one int16 query with each
;; row of a matrix of int8 codes, written as int32 — exact integer arithmetic, no rounding.
;;
;; Source of src/worker/search/dotKernelBytes.ts: after editing this file, run
;; `pnpm --filter @taskweave/web-worker build:kernel` (scripts/buildDotKernel.mjs, wabt's wat2wasm
;; with SIMD and threads) and commit both; dotKernelBytes.test.ts fails while they differ.
;; The script assembles this text twice: as written (a private memory) and with the memory import
;; below replaced by `(memory 0 65536 shared)` (a SharedArrayBuffer-backed memory).
;;
;; dots(rows, q, n, rowBytes, out), all byte offsets into env.mem except n (rows) and rowBytes:
;; rowBytes is a multiple of 16 (rows padded with zero codes); q holds rowBytes int16 values;
;; out receives n int32. The caller keeps |code| <= 127 and |query| small enough that no sum
;; leaves int32.
(module
  (import "env" "mem" (memory 0))
  (func (export "dots") (param $rows i32) (param $q i32) (param $n i32) (param $rowBytes i32) (param $out i32)
    ;; $r: the next row; $p, $p1, $p2, $p3: the codes of rows r..r+3; $end: where row r ends;
    ;; $qp: the query's next 16 values
    (local $r i32) (local $p i32) (local $end i32) (local $qp i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    ;; two accumulators per row of a block of four (eight int16 products summed pairwise into four
    ;; int32 each), the 16 codes just loaded, the query's two halves
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $acc4 v128) (local $acc5 v128) (local $acc6 v128) (local $acc7 v128)
    (local $codes v128) (local $qlo v128) (local $qhi v128)
    (local.set $p (local.get $rows))

    ;; Four rows at a time: each 16 query values are loaded once for four rows of codes.
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.lt_u (local.get $n) (i32.add (local.get $r) (i32.const 4))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $acc4 (v128.const i32x4 0 0 0 0))
        (local.set $acc5 (v128.const i32x4 0 0 0 0))
        (local.set $acc6 (v128.const i32x4 0 0 0 0))
        (local.set $acc7 (v128.const i32x4 0 0 0 0))
        (local.set $end (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $p1 (local.get $end))
        (local.set $p2 (local.get $p1))
        (local.set $p2 (i32.add (local.get $p2) (local.get $rowBytes)))
        (local.set $p3 (local.get $p2))
        (local.set $p3 (i32.add (local.get $p3) (local.get $rowBytes)))
        (local.set $qp (local.get $q))
        (block $steps_done
          (loop $steps
            (br_if $steps_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $qlo (v128.load (local.get $qp)))
            (local.set $qhi (v128.load offset=16 (local.get $qp)))
            ;; row r
            (local.set $codes (v128.load (local.get $p)))
            (local.set $acc0 (i32x4.add (local.get $acc0)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $qlo))))
            (local.set $acc1 (i32x4.add (local.get $acc1)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $qhi))))
            ;; row r + 1
            (local.set $codes (v128.load (local.get $p1)))
            (local.set $acc2 (i32x4.add (local.get $acc2)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $qlo))))
            (local.set $acc3 (i32x4.add (local.get $acc3)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $qhi))))
            ;; row r + 2
            (local.set $codes (v128.load (local.get $p2)))
            (local.set $acc4 (i32x4.add (local.get $acc4)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $qlo))))
            (local.set $acc5 (i32x4.add (local.get $acc5)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $qhi))))
            ;; row r + 3
            (local.set $codes (v128.load (local.get $p3)))
            (local.set $acc6 (i32x4.add (local.get $acc6)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $qlo))))
            (local.set $acc7 (i32x4.add (local.get $acc7)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $qhi))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $p1 (i32.add (local.get $p1) (i32.const 16)))
            (local.set $p2 (i32.add (local.get $p2) (i32.const 16)))
            (local.set $p3 (i32.add (local.get $p3) (i32.const 16)))
            (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
            (br $steps)))
        ;; out[r + k] = the sum of row k's eight lanes
        (local.set $acc0 (i32x4.add (local.get $acc0) (local.get $acc1)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc0)) (i32x4.extract_lane 1 (local.get $acc0)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc0)) (i32x4.extract_lane 3 (local.get $acc0)))))
        (local.set $acc2 (i32x4.add (local.get $acc2) (local.get $acc3)))
        (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc2)) (i32x4.extract_lane 1 (local.get $acc2)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc2)) (i32x4.extract_lane 3 (local.get $acc2)))))
        (local.set $acc4 (i32x4.add (local.get $acc4) (local.get $acc5)))
        (i32.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc4)) (i32x4.extract_lane 1 (local.get $acc4)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc4)) (i32x4.extract_lane 3 (local.get $acc4)))))
        (local.set $acc6 (i32x4.add (local.get $acc6) (local.get $acc7)))
        (i32.store offset=12 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc6)) (i32x4.extract_lane 1 (local.get $acc6)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc6)) (i32x4.extract_lane 3 (local.get $acc6)))))
        ;; $p3 ends where the next block begins.
        (local.set $p (local.get $p3))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $blocks)))

    ;; The last rows (fewer than four), one at a time.
    (block $rows_done
      (loop $rest
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $end (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $qp (local.get $q))
        (block $steps_done
          (loop $steps
            (br_if $steps_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $qlo (v128.load (local.get $qp)))
            (local.set $qhi (v128.load offset=16 (local.get $qp)))
            (local.set $codes (v128.load (local.get $p)))
            (local.set $acc0 (i32x4.add (local.get $acc0)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $qlo))))
            (local.set $acc1 (i32x4.add (local.get $acc1)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $qhi))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
            (br $steps)))
        (local.set $acc0 (i32x4.add (local.get $acc0) (local.get $acc1)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc0)) (i32x4.extract_lane 1 (local.get $acc0)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc0)) (i32x4.extract_lane 3 (local.get $acc0)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rest)))))
