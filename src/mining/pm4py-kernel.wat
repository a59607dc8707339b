;; The passes behind analyzePm4pyFigures (pm4py-kernel.ts says when they are used and why they are WebAssembly).
;; Compiled by scripts/build-wasm.mjs into pm4py-kernel-wasm.ts; test/mining/pm4py-kernel.test.ts checks the two agree.
;;
;; Over a log's columns (activity ids, timestamps, case starts) it computes what analyze.ts computes, in the same
;; order and with the same floating-point steps: variants (by first case, in order of first appearance), start and end
;; activity counts, the directly-follows edges (in order of first appearance) with their counts, mean, median and 90th
;; percentile seconds, and the case durations' mean, median, 90th percentile, min and max. A duration that is NaN or
;; -0 stops it with status 1: analyze.ts then computes everything itself.
(module
  (memory (import "env" "memory") 1)
  ;; Where the caller put each column and wants each result (bytes), set before `analyse`.
  (global $act (export "act") (mut i32) (i32.const 0))
  (global $ts (export "ts") (mut i32) (i32.const 0))
  (global $caseStart (export "caseStart") (mut i32) (i32.const 0))
  (global $starts (export "starts") (mut i32) (i32.const 0))
  (global $ends (export "ends") (mut i32) (i32.const 0))
  (global $dense (export "dense") (mut i32) (i32.const 0))
  (global $keys (export "keys") (mut i32) (i32.const 0))
  (global $counts (export "counts") (mut i32) (i32.const 0))
  (global $sums (export "sums") (mut i32) (i32.const 0))
  (global $edgeOf (export "edgeOf") (mut i32) (i32.const 0))
  (global $offsets (export "offsets") (mut i32) (i32.const 0))
  (global $durations (export "durations") (mut i32) (i32.const 0))
  (global $median (export "median") (mut i32) (i32.const 0))
  (global $p90 (export "p90") (mut i32) (i32.const 0))
  (global $variantSlots (export "variantSlots") (mut i32) (i32.const 0))
  (global $variantMask (export "variantMask") (mut i32) (i32.const 0))
  (global $variantHash (export "variantHash") (mut i32) (i32.const 0))
  (global $variantFirst (export "variantFirst") (mut i32) (i32.const 0))
  (global $variantCount (export "variantCount") (mut i32) (i32.const 0))
  (global $caseDurations (export "caseDurations") (mut i32) (i32.const 0))
  (global $scratch (export "scratch") (mut i32) (i32.const 0))
  ;; Results besides the arrays.
  (global $edges (export "edges") (mut i32) (i32.const 0))
  (global $variants (export "variants") (mut i32) (i32.const 0))
  (global $sum (export "sum") (mut f64) (f64.const 0))
  (global $min (export "min") (mut f64) (f64.const 0))
  (global $max (export "max") (mut f64) (f64.const 0))
  (global $caseMedian (export "caseMedian") (mut f64) (f64.const 0))
  (global $caseP90 (export "caseP90") (mut f64) (f64.const 0))


  ;; Whether cases a and b have the same activity sequence.
  (func $same (param $a i32) (param $b i32) (result i32)
    (local $fa i32) (local $fb i32) (local $len i32) (local $k i32)
    (local.set $fa (i32.load (i32.add (global.get $caseStart) (i32.shl (local.get $a) (i32.const 2)))))
    (local.set $fb (i32.load (i32.add (global.get $caseStart) (i32.shl (local.get $b) (i32.const 2)))))
    (local.set $len (i32.sub (i32.load (i32.add (global.get $caseStart) (i32.shl (i32.add (local.get $a) (i32.const 1)) (i32.const 2)))) (local.get $fa)))
    (if (i32.ne (i32.sub (i32.load (i32.add (global.get $caseStart) (i32.shl (i32.add (local.get $b) (i32.const 1)) (i32.const 2)))) (local.get $fb)) (local.get $len))
      (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $k) (local.get $len)))
        (if (i32.ne (i32.load (i32.add (global.get $act) (i32.shl (i32.add (local.get $fa) (local.get $k)) (i32.const 2)))) (i32.load (i32.add (global.get $act) (i32.shl (i32.add (local.get $fb) (local.get $k)) (i32.const 2)))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; Case c counted in its variant (analyze.ts's variantCounts: the same hash, variants in order of first appearance).
  (func $variant (param $c i32) (param $from i32) (param $to i32)
    (local $h i32) (local $i i32) (local $slot i32) (local $v i32) (local $at i32)
    (local.set $h (i32.mul (i32.xor (i32.const 0x811c9dc5) (i32.sub (local.get $to) (local.get $from))) (i32.const 0x01000193)))
    (local.set $i (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $to)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (i32.add (global.get $act) (i32.shl (local.get $i) (i32.const 2))))) (i32.const 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $h (i32.and (local.get $h) (i32.const 0x3fffffff)))
    (local.set $slot (i32.and (i32.mul (local.get $h) (i32.const 0x9e3779b1)) (global.get $variantMask)))
    (loop $probe
      (local.set $at (i32.add (global.get $variantSlots) (i32.shl (local.get $slot) (i32.const 2))))
      (local.set $v (i32.sub (i32.load (local.get $at)) (i32.const 1)))
      (if (i32.ge_s (local.get $v) (i32.const 0))
        (then
          (if (i32.eq (i32.load (i32.add (global.get $variantHash) (i32.shl (local.get $v) (i32.const 2)))) (local.get $h))
            (then
              (if (call $same (i32.load (i32.add (global.get $variantFirst) (i32.shl (local.get $v) (i32.const 2)))) (local.get $c))
                (then
                  (i32.store (i32.add (global.get $variantCount) (i32.shl (local.get $v) (i32.const 2)))
                    (i32.add (i32.load (i32.add (global.get $variantCount) (i32.shl (local.get $v) (i32.const 2)))) (i32.const 1)))
                  (return)))))
          (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $variantMask)))
          (br $probe))))
    (local.set $v (global.get $variants))
    (i32.store (local.get $at) (i32.add (local.get $v) (i32.const 1)))
    (i32.store (i32.add (global.get $variantHash) (i32.shl (local.get $v) (i32.const 2))) (local.get $h))
    (i32.store (i32.add (global.get $variantFirst) (i32.shl (local.get $v) (i32.const 2))) (local.get $c))
    (i32.store (i32.add (global.get $variantCount) (i32.shl (local.get $v) (i32.const 2))) (i32.const 1))
    (global.set $variants (i32.add (local.get $v) (i32.const 1))))

  (func $bump (param $base i32) (param $i i32)
    (local $at i32)
    (local.set $at (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))
    (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1))))

  ;; A duration analyze.ts's counting would give up on: NaN, or -0 (whose order against 0 a count cannot keep).
  (func $odd (param $d f64) (result i32)
    (i32.or (f64.ne (local.get $d) (local.get $d))
            (i32.and (f64.eq (local.get $d) (f64.const 0)) (i64.lt_s (i64.reinterpret_f64 (local.get $d)) (i64.const 0)))))

  ;; Hoare's quickselect over a[from ..< to] (stats.ts's select, the same pivots): the k-th smallest at k.
  (func $select (param $a i32) (param $to i32) (param $k i32) (param $from i32) (result f64)
    (local $left i32) (local $right i32) (local $mid i32) (local $x f64) (local $y f64) (local $z f64) (local $pivot f64)
    (local $i i32) (local $j i32) (local $t f64)
    (local.set $left (local.get $from))
    (local.set $right (i32.sub (local.get $to) (i32.const 1)))
    (block $done
      (loop $narrow
        (br_if $done (i32.le_s (local.get $right) (local.get $left)))
        (local.set $mid (i32.shr_s (i32.add (local.get $left) (local.get $right)) (i32.const 1)))
        (local.set $x (f64.load (i32.add (local.get $a) (i32.shl (local.get $left) (i32.const 3)))))
        (local.set $y (f64.load (i32.add (local.get $a) (i32.shl (local.get $mid) (i32.const 3)))))
        (local.set $z (f64.load (i32.add (local.get $a) (i32.shl (local.get $right) (i32.const 3)))))
        (local.set $pivot
          (if (result f64) (f64.lt (local.get $x) (local.get $y))
            (then (if (result f64) (f64.lt (local.get $y) (local.get $z)) (then (local.get $y))
              (else (if (result f64) (f64.lt (local.get $x) (local.get $z)) (then (local.get $z)) (else (local.get $x))))))
            (else (if (result f64) (f64.lt (local.get $x) (local.get $z)) (then (local.get $x))
              (else (if (result f64) (f64.lt (local.get $y) (local.get $z)) (then (local.get $z)) (else (local.get $y))))))))
        (local.set $i (local.get $left))
        (local.set $j (local.get $right))
        (block $parted
          (loop $part
            (br_if $parted (i32.gt_s (local.get $i) (local.get $j)))
            (block $ok (loop $up
              (br_if $ok (i32.eqz (f64.lt (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))) (local.get $pivot))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $up)))
            (block $ok (loop $down
              (br_if $ok (i32.eqz (f64.gt (f64.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3)))) (local.get $pivot))))
              (local.set $j (i32.sub (local.get $j) (i32.const 1)))
              (br $down)))
            (if (i32.le_s (local.get $i) (local.get $j))
              (then
                (local.set $t (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
                (f64.store (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3))) (f64.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3)))))
                (f64.store (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))) (local.get $t))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))))
            (br $part)))
        (if (i32.le_s (local.get $k) (local.get $j))
          (then (local.set $right (local.get $j)))
          (else
            (br_if $done (i32.lt_s (local.get $k) (local.get $i)))
            (local.set $left (local.get $i))))
        (br $narrow)))
    (f64.load (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 3)))))

  ;; numpy's percentile q of a[from ..< to] (stats.ts's percentileFrom), looking only from a[from + skip] on: every
  ;; value before it must be <= every value after, and skip at most the lower rank. Reorders the values.
  (func $percentile (param $a i32) (param $from i32) (param $to i32) (param $q i32) (param $skip i32) (result f64)
    (local $n i32) (local $rank f64) (local $lo i32) (local $hi i32) (local $b f64) (local $x f64) (local $i i32) (local $v f64)
    (local.set $n (i32.sub (local.get $to) (local.get $from)))
    (if (i32.eqz (local.get $n)) (then (return (f64.const 0))))
    (local.set $rank (f64.div (f64.convert_i32_s (i32.mul (i32.sub (local.get $n) (i32.const 1)) (local.get $q))) (f64.const 100)))
    (local.set $lo (i32.trunc_f64_s (f64.floor (local.get $rank))))
    (local.set $hi (i32.trunc_f64_s (f64.ceil (local.get $rank))))
    (local.set $b (call $select (local.get $a) (local.get $to) (i32.add (local.get $from) (local.get $hi)) (i32.add (local.get $from) (local.get $skip))))
    (if (i32.eq (local.get $lo) (local.get $hi)) (then (return (local.get $b))))
    (local.set $x (f64.const -inf))
    (local.set $i (i32.add (local.get $from) (local.get $skip)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (i32.add (local.get $from) (local.get $hi))))
        (local.set $v (f64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.gt (local.get $v) (local.get $x)) (then (local.set $x (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.add (local.get $x) (f64.mul (f64.sub (local.get $b) (local.get $x)) (f64.sub (local.get $rank) (f64.convert_i32_s (local.get $lo))))))

  ;; The median and 90th percentile of a[from ..< to] into the f64s at $median and $p90 (summarise's steps: once the
  ;; median is selected, the 90th percentile is selected among the values from its upper rank on, when it can be).
  (func $quantiles (param $a i32) (param $from i32) (param $to i32) (param $median i32) (param $p90 i32)
    (local $n i32) (local $upper i32)
    (local.set $n (i32.sub (local.get $to) (local.get $from)))
    (f64.store (local.get $median) (call $percentile (local.get $a) (local.get $from) (local.get $to) (i32.const 50) (i32.const 0)))
    ;; ceil((n - 1) / 2) and floor((n - 1) * 90 / 100), n >= 1
    (local.set $upper (i32.shr_u (local.get $n) (i32.const 1)))
    (f64.store (local.get $p90) (call $percentile (local.get $a) (local.get $from) (local.get $to) (i32.const 90)
      (select (local.get $upper) (i32.const 0)
        (i32.le_s (local.get $upper) (i32.div_s (i32.mul (i32.sub (local.get $n) (i32.const 1)) (i32.const 90)) (i32.const 100)))))))

  ;; Everything, for n activities (n * n fits the dense table) and cases cases: 0, or 1 at an odd duration.
  (func (export "analyse") (param $n i32) (param $cases i32) (result i32)
    (local $c i32) (local $from i32) (local $to i32) (local $i i32) (local $a i32) (local $prev i32) (local $key i32)
    (local $e i32) (local $d f64) (local $at i32) (local $total i32) (local $fill i32) (local $min f64) (local $max f64) (local $sum f64)
    (block $cases
      (loop $case
        (br_if $cases (i32.ge_s (local.get $c) (local.get $cases)))
        (local.set $from (i32.load (i32.add (global.get $caseStart) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $to (i32.load (i32.add (global.get $caseStart) (i32.shl (i32.add (local.get $c) (i32.const 1)) (i32.const 2)))))
        (call $variant (local.get $c) (local.get $from) (local.get $to))
        (if (i32.lt_s (local.get $from) (local.get $to))
          (then
            (call $bump (global.get $starts) (i32.load (i32.add (global.get $act) (i32.shl (local.get $from) (i32.const 2)))))
            (call $bump (global.get $ends) (i32.load (i32.add (global.get $act) (i32.shl (i32.sub (local.get $to) (i32.const 1)) (i32.const 2)))))
            (i32.store (i32.add (global.get $edgeOf) (i32.shl (local.get $from) (i32.const 2))) (i32.const -1))
            (local.set $d (f64.div (f64.sub (f64.load (i32.add (global.get $ts) (i32.shl (i32.sub (local.get $to) (i32.const 1)) (i32.const 3)))) (f64.load (i32.add (global.get $ts) (i32.shl (local.get $from) (i32.const 3))))) (f64.const 1000))))
          (else (local.set $d (f64.const 0))))
        (if (call $odd (local.get $d)) (then (return (i32.const 1))))
        (f64.store (i32.add (global.get $caseDurations) (i32.shl (local.get $c) (i32.const 3))) (local.get $d))
        (local.set $prev (i32.mul (i32.load (i32.add (global.get $act) (i32.shl (local.get $from) (i32.const 2)))) (local.get $n)))
        (local.set $i (i32.add (local.get $from) (i32.const 1)))
        (block $events
          (loop $event
            (br_if $events (i32.ge_s (local.get $i) (local.get $to)))
            (local.set $a (i32.load (i32.add (global.get $act) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $key (i32.add (local.get $prev) (local.get $a)))
            (local.set $prev (i32.mul (local.get $a) (local.get $n)))
            (local.set $at (i32.add (global.get $dense) (i32.shl (local.get $key) (i32.const 2))))
            (local.set $e (i32.sub (i32.load (local.get $at)) (i32.const 1)))
            (if (i32.lt_s (local.get $e) (i32.const 0))
              (then
                (local.set $e (global.get $edges))
                (global.set $edges (i32.add (local.get $e) (i32.const 1)))
                (i32.store (local.get $at) (i32.add (local.get $e) (i32.const 1)))
                (i32.store (i32.add (global.get $keys) (i32.shl (local.get $e) (i32.const 2))) (local.get $key))))
            (call $bump (global.get $counts) (local.get $e))
            (i32.store (i32.add (global.get $edgeOf) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
            (local.set $d (f64.div (f64.sub (f64.load (i32.add (global.get $ts) (i32.shl (local.get $i) (i32.const 3)))) (f64.load (i32.add (global.get $ts) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3))))) (f64.const 1000)))
            (if (call $odd (local.get $d)) (then (return (i32.const 1))))
            (local.set $at (i32.add (global.get $sums) (i32.shl (local.get $e) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $d)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $event)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $case)))
    ;; Each edge's durations side by side, in event order, then its median and 90th percentile.
    (local.set $e (i32.const 0))
    (block $done
      (loop $edge
        (br_if $done (i32.ge_s (local.get $e) (global.get $edges)))
        (i32.store (i32.add (global.get $offsets) (i32.shl (local.get $e) (i32.const 2))) (local.get $total))
        (local.set $total (i32.add (local.get $total) (i32.load (i32.add (global.get $counts) (i32.shl (local.get $e) (i32.const 2))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $edge)))
    (i32.store (i32.add (global.get $offsets) (i32.shl (global.get $edges) (i32.const 2))) (local.get $total))
    ;; counts serve as each edge's fill position from here on
    (local.set $e (i32.const 0))
    (block $done
      (loop $edge
        (br_if $done (i32.ge_s (local.get $e) (global.get $edges)))
        (i32.store (i32.add (global.get $counts) (i32.shl (local.get $e) (i32.const 2))) (i32.load (i32.add (global.get $offsets) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $edge)))
    (local.set $total (i32.load (i32.add (global.get $caseStart) (i32.shl (local.get $cases) (i32.const 2)))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $event
        (br_if $done (i32.ge_s (local.get $i) (local.get $total)))
        (local.set $e (i32.load (i32.add (global.get $edgeOf) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.ge_s (local.get $e) (i32.const 0))
          (then
            (local.set $at (i32.add (global.get $counts) (i32.shl (local.get $e) (i32.const 2))))
            (local.set $fill (i32.load (local.get $at)))
            (i32.store (local.get $at) (i32.add (local.get $fill) (i32.const 1)))
            (f64.store (i32.add (global.get $durations) (i32.shl (local.get $fill) (i32.const 3)))
              (f64.div (f64.sub (f64.load (i32.add (global.get $ts) (i32.shl (local.get $i) (i32.const 3)))) (f64.load (i32.add (global.get $ts) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3))))) (f64.const 1000)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $event)))
    (local.set $e (i32.const 0))
    (block $done
      (loop $edge
        (br_if $done (i32.ge_s (local.get $e) (global.get $edges)))
        (local.set $from (i32.load (i32.add (global.get $offsets) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $to (i32.load (i32.add (global.get $offsets) (i32.shl (i32.add (local.get $e) (i32.const 1)) (i32.const 2)))))
        ;; the count again, from the offsets
        (i32.store (i32.add (global.get $counts) (i32.shl (local.get $e) (i32.const 2))) (i32.sub (local.get $to) (local.get $from)))
        (call $quantiles (global.get $durations) (local.get $from) (local.get $to)
          (i32.add (global.get $median) (i32.shl (local.get $e) (i32.const 3))) (i32.add (global.get $p90) (i32.shl (local.get $e) (i32.const 3))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $edge)))
    ;; The case durations: sum in case order, min and max, then median and 90th percentile.
    (local.set $min (f64.const inf))
    (local.set $max (f64.const -inf))
    (local.set $c (i32.const 0))
    (block $done
      (loop $case
        (br_if $done (i32.ge_s (local.get $c) (local.get $cases)))
        (local.set $d (f64.load (i32.add (global.get $caseDurations) (i32.shl (local.get $c) (i32.const 3)))))
        (local.set $sum (f64.add (local.get $sum) (local.get $d)))
        (if (f64.lt (local.get $d) (local.get $min)) (then (local.set $min (local.get $d))))
        (if (f64.gt (local.get $d) (local.get $max)) (then (local.set $max (local.get $d))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $case)))
    (global.set $sum (local.get $sum))
    (global.set $min (local.get $min))
    (global.set $max (local.get $max))
    (call $quantiles (global.get $caseDurations) (i32.const 0) (local.get $cases) (global.get $scratch) (i32.add (global.get $scratch) (i32.const 8)))
    (global.set $caseMedian (f64.load (global.get $scratch)))
    (global.set $caseP90 (f64.load offset=8 (global.get $scratch)))
    (i32.const 0))
)
