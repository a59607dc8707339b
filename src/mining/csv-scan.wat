;; The CSV scanner behind readCsvFile's fast path (csv-fast.ts says when it is taken and why it is WebAssembly).
;; Compiled by scripts/build-wasm.mjs into csv-scan-wasm.ts; test/mining/csv-fast.test.ts checks the two agree.
;;
;; It reads lines of a plain file (no quote anywhere, no lone carriage return, every row as many fields as the header)
;; sixteen bytes at a time, and for each row interns the case id and the activity by their bytes, parses the
;; timestamp as timestamp.ts does and writes the three into columns. Anything the general reader would refuse or read
;; differently stops the scan with status 1, and the caller reads the file again with the general reader, which
;; then says what is wrong and where; status 2 says a column or table is full (the same fallback).
(module
  (memory (import "env" "memory") 1)
  ;; Set by the caller before the first scan.
  (global $delim (export "delim") (mut i32) (i32.const 44))
  (global $nf (export "nf") (mut i32) (i32.const 0))
  (global $cc (export "cc") (mut i32) (i32.const 0))
  (global $ac (export "ac") (mut i32) (i32.const 0))
  (global $tc (export "tc") (mut i32) (i32.const 0))
  (global $wall (export "wall") (mut i32) (i32.const 1))
  (global $rowCase (export "rowCase") (mut i32) (i32.const 0))
  (global $rowAct (export "rowAct") (mut i32) (i32.const 0))
  (global $rowTs (export "rowTs") (mut i32) (i32.const 0))
  (global $caseFirst (export "caseFirst") (mut i32) (i32.const 0))
  (global $cap (export "cap") (mut i32) (i32.const 0))
  (global $caseT (export "caseT") (mut i32) (i32.const 0))
  (global $actT (export "actT") (mut i32) (i32.const 0))
  (global $months (export "months") (mut i32) (i32.const 0))
  (global $recent (export "recent") (mut i32) (i32.const 0))
  ;; What the scan found.
  (global $rows (export "rows") (mut i32) (i32.const 0))
  (global $contiguous (export "contiguous") (mut i32) (i32.const 1))
  ;; 1 while each row's timestamp is at or after the one before it in the same case (the rows of a case in order).
  (global $ordered (export "ordered") (mut i32) (i32.const 1))
  (global $lastT (mut f64) (f64.const 0))
  (global $zoneMode (export "zoneMode") (mut i32) (i32.const 0))
  (global $lastCase (mut i32) (i32.const -1))
  (global $lastOff (mut i32) (i32.const 0))
  (global $lastLen (mut i32) (i32.const -1))
  (global $isNew (mut i32) (i32.const 0))

  ;; bytes a[0..len) = b[0..len)
  (func $same (param $a i32) (param $b i32) (param $len i32) (result i32)
    (local $i i32)
    (block $tail
      (loop $words
        (br_if $tail (i32.gt_s (i32.add (local.get $i) (i32.const 8)) (local.get $len)))
        (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $i))) (i64.load (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $words)))
    (block $end
      (loop $bytes
        (br_if $end (i32.ge_s (local.get $i) (local.get $len)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (i32.const 1))

  (func $hash (param $s i32) (param $len i32) (result i32)
    (local $h i32) (local $i i32)
    (local.set $h (i32.mul (i32.add (local.get $len) (i32.const 1)) (i32.const 0x9e3779b1)))
    (block $tail
      (loop $words
        (br_if $tail (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $len)))
        (local.set $h (i32.mul (i32.rotl (i32.xor (local.get $h) (i32.load (i32.add (local.get $s) (local.get $i)))) (i32.const 13)) (i32.const 0x5bd1e995)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $words)))
    (block $end
      (loop $bytes
        (br_if $end (i32.ge_s (local.get $i) (local.get $len)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (i32.add (local.get $s) (local.get $i)))) (i32.const 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))

  ;; Twice the slots, every name placed again by its hash.
  (func $rehash (param $t i32)
    (local $mask i32) (local $slots i32) (local $k i32) (local $n i32) (local $slot i32) (local $hashes i32)
    (local.set $mask (i32.add (i32.shl (i32.load offset=4 (local.get $t)) (i32.const 1)) (i32.const 1)))
    (i32.store offset=4 (local.get $t) (local.get $mask))
    (local.set $slots (i32.load (local.get $t)))
    (local.set $hashes (i32.load offset=12 (local.get $t)))
    (local.set $n (i32.load offset=8 (local.get $t)))
    (memory.fill (local.get $slots) (i32.const 0) (i32.shl (i32.add (local.get $mask) (i32.const 1)) (i32.const 2)))
    (block $done
      (loop $keys
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $slot (i32.and (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $k) (i32.const 2)))) (local.get $mask)))
        (loop $free
          (if (i32.load (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2))))
            (then
              (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
              (br $free))))
        (i32.store (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $keys))))

  ;; A name table at $t: 0 slots, 4 mask, 8 count, 12 hashes, 16 offsets, 20 lengths, 24 pool, 28 pool used,
  ;; 32 most keys, 36 pool size, 40 1 once a byte >= 0x80 is stored, 44 how many slots the slot region holds. The id of s[0..e) (its key index), -1 when full.
  (func $intern (param $t i32) (param $s i32) (param $e i32) (result i32)
    (local $h i32) (local $len i32) (local $slot i32) (local $k i32) (local $at i32) (local $slotAt i32) (local $used i32) (local $i i32) (local $high i32) (local $word i64)
    (local.set $len (i32.sub (local.get $e) (local.get $s)))
    (local.set $h (call $hash (local.get $s) (local.get $len)))
    (local.set $slot (i32.and (local.get $h) (i32.load offset=4 (local.get $t))))
    (loop $probe
      (local.set $slotAt (i32.add (i32.load (local.get $t)) (i32.shl (local.get $slot) (i32.const 2))))
      (local.set $k (i32.sub (i32.load (local.get $slotAt)) (i32.const 1)))
      (if (i32.ge_s (local.get $k) (i32.const 0))
        (then
          (if (i32.and
                (i32.eq (i32.load (i32.add (i32.load offset=12 (local.get $t)) (i32.shl (local.get $k) (i32.const 2)))) (local.get $h))
                (i32.eq (i32.load (i32.add (i32.load offset=20 (local.get $t)) (i32.shl (local.get $k) (i32.const 2)))) (local.get $len)))
            (then
              (if (call $same
                    (i32.add (i32.load offset=24 (local.get $t)) (i32.load (i32.add (i32.load offset=16 (local.get $t)) (i32.shl (local.get $k) (i32.const 2)))))
                    (local.get $s) (local.get $len))
                (then
                  (global.set $isNew (i32.const 0))
                  (return (local.get $k))))))
          (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.load offset=4 (local.get $t))))
          (br $probe))))
    ;; A new name; the slots doubled first when they would be more than half full (and the region has room).
    (local.set $k (i32.load offset=8 (local.get $t)))
    (if (i32.and (i32.gt_u (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 1)) (i32.add (i32.load offset=4 (local.get $t)) (i32.const 1)))
                 (i32.le_u (i32.shl (i32.add (i32.load offset=4 (local.get $t)) (i32.const 1)) (i32.const 1)) (i32.load offset=44 (local.get $t))))
      (then
        (call $rehash (local.get $t))
        (local.set $slot (i32.and (local.get $h) (i32.load offset=4 (local.get $t))))
        (loop $free
          (local.set $slotAt (i32.add (i32.load (local.get $t)) (i32.shl (local.get $slot) (i32.const 2))))
          (if (i32.load (local.get $slotAt))
            (then
              (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.load offset=4 (local.get $t))))
              (br $free))))))
    (local.set $used (i32.load offset=28 (local.get $t)))
    (if (i32.or (i32.ge_u (local.get $k) (i32.load offset=32 (local.get $t)))
                (i32.gt_u (i32.add (local.get $used) (local.get $len)) (i32.load offset=36 (local.get $t))))
      (then (return (i32.const -1))))
    ;; Copied eight bytes at a time (the pool has room past its end), the high bits of the name's own bytes kept.
    (local.set $at (i32.add (i32.load offset=24 (local.get $t)) (local.get $used)))
    (block $done
      (loop $words
        (br_if $done (i32.ge_s (local.get $i) (local.get $len)))
        (local.set $word (i64.load (i32.add (local.get $s) (local.get $i))))
        (i64.store (i32.add (local.get $at) (local.get $i)) (local.get $word))
        (if (i32.gt_s (i32.add (local.get $i) (i32.const 8)) (local.get $len))
          (then (local.set $word (i64.and (local.get $word) (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (i32.sub (local.get $len) (local.get $i)) (i32.const 3)))) (i64.const 1))))))
        (local.set $high (i32.or (local.get $high) (i64.ne (i64.and (local.get $word) (i64.const 0x8080808080808080)) (i64.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $words)))
    (i32.store offset=40 (local.get $t) (i32.or (i32.load offset=40 (local.get $t)) (local.get $high)))
    (i32.store (i32.add (i32.load offset=12 (local.get $t)) (i32.shl (local.get $k) (i32.const 2))) (local.get $h))
    (i32.store (i32.add (i32.load offset=16 (local.get $t)) (i32.shl (local.get $k) (i32.const 2))) (local.get $used))
    (i32.store (i32.add (i32.load offset=20 (local.get $t)) (i32.shl (local.get $k) (i32.const 2))) (local.get $len))
    (i32.store (local.get $slotAt) (i32.add (local.get $k) (i32.const 1)))
    (i32.store offset=8 (local.get $t) (i32.add (local.get $k) (i32.const 1)))
    (i32.store offset=28 (local.get $t) (i32.add (local.get $used) (local.get $len)))
    (global.set $isNew (i32.const 1))
    (local.get $k))

  ;; Two ASCII digits at p, or -1.
  (func $d2 (param $p i32) (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
    (local.set $b (i32.sub (i32.load8_u offset=1 (local.get $p)) (i32.const 48)))
    (if (result i32) (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9)))
      (then (i32.const -1))
      (else (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))))

  (func $daysInMonth (param $y i32) (param $m i32) (result i32)
    (if (i32.eq (local.get $m) (i32.const 2))
      (then
        (if (i32.and (i32.eqz (i32.rem_u (local.get $y) (i32.const 4)))
                     (i32.or (i32.ne (i32.rem_u (local.get $y) (i32.const 100)) (i32.const 0)) (i32.eqz (i32.rem_u (local.get $y) (i32.const 400)))))
          (then (return (i32.const 29))))
        (return (i32.const 28))))
    (if (i32.or (i32.or (i32.eq (local.get $m) (i32.const 4)) (i32.eq (local.get $m) (i32.const 6)))
                (i32.or (i32.eq (local.get $m) (i32.const 9)) (i32.eq (local.get $m) (i32.const 11))))
      (then (return (i32.const 30))))
    (i32.const 31))

  ;; Days from 1970-01-01 (H. Hinnant's days_from_civil; y >= 100, so every division is of a positive number).
  (func $days (param $year i32) (param $m i32) (param $d i32) (result i32)
    (local $y i32) (local $era i32) (local $yoe i32) (local $doy i32)
    (local.set $y (select (i32.sub (local.get $year) (i32.const 1)) (local.get $year) (i32.le_u (local.get $m) (i32.const 2))))
    (local.set $era (i32.div_u (local.get $y) (i32.const 400)))
    (local.set $yoe (i32.sub (local.get $y) (i32.mul (local.get $era) (i32.const 400))))
    (local.set $doy (i32.add
      (i32.div_u (i32.add (i32.mul (i32.const 153) (select (i32.sub (local.get $m) (i32.const 3)) (i32.add (local.get $m) (i32.const 9)) (i32.gt_u (local.get $m) (i32.const 2)))) (i32.const 2)) (i32.const 5))
      (i32.sub (local.get $d) (i32.const 1))))
    (i32.sub
      (i32.add (i32.mul (local.get $era) (i32.const 146097))
        (i32.add (i32.sub (i32.add (i32.mul (local.get $yoe) (i32.const 365)) (i32.div_u (local.get $yoe) (i32.const 4))) (i32.div_u (local.get $yoe) (i32.const 100))) (local.get $doy)))
      (i32.const 719468)))

  ;; Days from 1970-01-01 to the first of a month: from the table at $months for 1900-2199 (0: not yet known).
  (func $monthStart (param $year i32) (param $m i32) (result i32)
    (local $k i32) (local $at i32) (local $d i32)
    (local.set $k (i32.add (i32.mul (i32.sub (local.get $year) (i32.const 1900)) (i32.const 12)) (i32.sub (local.get $m) (i32.const 1))))
    (if (i32.ge_u (local.get $k) (i32.const 3600)) (then (return (call $days (local.get $year) (local.get $m) (i32.const 1)))))
    (local.set $at (i32.add (global.get $months) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $d (i32.load (local.get $at)))
    (if (i32.eqz (local.get $d))
      (then
        (local.set $d (call $days (local.get $year) (local.get $m) (i32.const 1)))
        (i32.store (local.get $at) (local.get $d))))
    (local.get $d))

  ;; The instant of an ISO 8601 timestamp at s[0..e), parsed as timestamp.ts's parseBytes does (the same floating
  ;; point steps, so the same doubles), or NaN for anything it would not take or that mixes zoned and zone-less.
  ;; The fields up to the seconds sit at fixed offsets from s; parseBytes reads two digits after a colon even at the
  ;; end of the field, as this does: past it lie a delimiter or a line break, never a digit.
  (func $timestamp (param $s i32) (param $e i32) (result f64)
    (local $len i32) (local $year i32) (local $month i32) (local $day i32) (local $p i32) (local $bad i32)
    (local $hour i32) (local $minute i32) (local $second i32) (local $fraction f64) (local $scale f64)
    (local $d i32) (local $z i32) (local $oh i32) (local $om i32) (local $q i32) (local $zoned i32) (local $offset f64) (local $v f64)
    (local $a i32) (local $b i32) (local $c i32) (local $f i32)
    (local.set $len (i32.sub (local.get $e) (local.get $s)))
    (if (i32.lt_s (local.get $len) (i32.const 10)) (then (return (f64.const nan))))
    (local.set $a (i32.sub (i32.load8_u (local.get $s)) (i32.const 48)))
    (local.set $b (i32.sub (i32.load8_u offset=1 (local.get $s)) (i32.const 48)))
    (local.set $c (i32.sub (i32.load8_u offset=2 (local.get $s)) (i32.const 48)))
    (local.set $f (i32.sub (i32.load8_u offset=3 (local.get $s)) (i32.const 48)))
    (local.set $bad (i32.or (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9)))
                            (i32.or (i32.gt_u (local.get $c) (i32.const 9)) (i32.gt_u (local.get $f) (i32.const 9)))))
    (local.set $year (i32.add (i32.add (i32.mul (local.get $a) (i32.const 1000)) (i32.mul (local.get $b) (i32.const 100)))
                              (i32.add (i32.mul (local.get $c) (i32.const 10)) (local.get $f))))
    (local.set $a (i32.sub (i32.load8_u offset=5 (local.get $s)) (i32.const 48)))
    (local.set $b (i32.sub (i32.load8_u offset=6 (local.get $s)) (i32.const 48)))
    (local.set $c (i32.sub (i32.load8_u offset=8 (local.get $s)) (i32.const 48)))
    (local.set $f (i32.sub (i32.load8_u offset=9 (local.get $s)) (i32.const 48)))
    (local.set $bad (i32.or (local.get $bad)
      (i32.or (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9)))
              (i32.or (i32.gt_u (local.get $c) (i32.const 9)) (i32.gt_u (local.get $f) (i32.const 9))))))
    (local.set $month (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))
    (local.set $day (i32.add (i32.mul (local.get $c) (i32.const 10)) (local.get $f)))
    (if (i32.or (i32.or (local.get $bad) (i32.or (i32.ne (i32.load8_u offset=4 (local.get $s)) (i32.const 45)) (i32.ne (i32.load8_u offset=7 (local.get $s)) (i32.const 45))))
                (i32.or (i32.or (i32.lt_s (local.get $month) (i32.const 1)) (i32.gt_s (local.get $month) (i32.const 12)))
                        (i32.or (i32.lt_s (local.get $day) (i32.const 1)) (i32.lt_s (local.get $year) (i32.const 100)))))
      (then (return (f64.const nan))))
    (if (i32.gt_s (local.get $day) (i32.const 28))
      (then (if (i32.gt_s (local.get $day) (call $daysInMonth (local.get $year) (local.get $month))) (then (return (f64.const nan))))))
    (if (i32.gt_s (local.get $len) (i32.const 10))
      (then
        (local.set $d (i32.load8_u offset=10 (local.get $s)))
        (if (i32.or (i32.and (i32.and (i32.ne (local.get $d) (i32.const 84)) (i32.ne (local.get $d) (i32.const 32))) (i32.ne (local.get $d) (i32.const 116)))
                    (i32.lt_s (local.get $len) (i32.const 16)))
          (then (return (f64.const nan))))
        (local.set $a (i32.sub (i32.load8_u offset=11 (local.get $s)) (i32.const 48)))
        (local.set $b (i32.sub (i32.load8_u offset=12 (local.get $s)) (i32.const 48)))
        (local.set $c (i32.sub (i32.load8_u offset=14 (local.get $s)) (i32.const 48)))
        (local.set $f (i32.sub (i32.load8_u offset=15 (local.get $s)) (i32.const 48)))
        (local.set $hour (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))
        (local.set $minute (i32.add (i32.mul (local.get $c) (i32.const 10)) (local.get $f)))
        (if (i32.or (i32.or (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9)))
                            (i32.or (i32.gt_u (local.get $c) (i32.const 9)) (i32.gt_u (local.get $f) (i32.const 9))))
                    (i32.or (i32.or (i32.gt_s (local.get $hour) (i32.const 24)) (i32.gt_s (local.get $minute) (i32.const 59)))
                            (i32.ne (i32.load8_u offset=13 (local.get $s)) (i32.const 58))))
          (then (return (f64.const nan))))
        (local.set $p (i32.add (local.get $s) (i32.const 16)))
        (if (i32.and (i32.lt_s (local.get $p) (local.get $e)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 58)))
          (then
            (local.set $a (i32.sub (i32.load8_u offset=17 (local.get $s)) (i32.const 48)))
            (local.set $b (i32.sub (i32.load8_u offset=18 (local.get $s)) (i32.const 48)))
            (local.set $second (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))
            (if (i32.or (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9))) (i32.gt_s (local.get $second) (i32.const 60)))
              (then (return (f64.const nan))))
            (local.set $p (i32.add (local.get $s) (i32.const 19)))
            (if (i32.and (i32.lt_s (local.get $p) (local.get $e))
                         (i32.or (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 44))))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $q (local.get $p))
                (local.set $scale (f64.const 100))
                (block $digits
                  (loop $more
                    (br_if $digits (i32.ge_s (local.get $p) (local.get $e)))
                    (local.set $d (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
                    (br_if $digits (i32.gt_u (local.get $d) (i32.const 9)))
                    (local.set $fraction (f64.add (local.get $fraction) (f64.mul (f64.convert_i32_u (local.get $d)) (local.get $scale))))
                    (local.set $scale (f64.div (local.get $scale) (f64.const 10)))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $more)))
                (if (i32.eq (local.get $p) (local.get $q)) (then (return (f64.const nan))))))))
        (if (i32.lt_s (local.get $p) (local.get $e))
          (then
            (local.set $z (i32.load8_u (local.get $p)))
            (if (i32.and (i32.or (i32.eq (local.get $z) (i32.const 90)) (i32.eq (local.get $z) (i32.const 122)))
                         (i32.eq (i32.add (local.get $p) (i32.const 1)) (local.get $e)))
              (then (local.set $zoned (i32.const 1)))
              (else
                (if (i32.and (i32.ne (local.get $z) (i32.const 43)) (i32.ne (local.get $z) (i32.const 45))) (then (return (f64.const nan))))
                (local.set $oh (call $d2 (i32.add (local.get $p) (i32.const 1))))
                (if (i32.lt_s (local.get $oh) (i32.const 0)) (then (return (f64.const nan))))
                (local.set $q (i32.add (local.get $p) (i32.const 3)))
                (if (i32.and (i32.lt_s (local.get $q) (local.get $e)) (i32.eq (i32.load8_u (local.get $q)) (i32.const 58)))
                  (then (local.set $q (i32.add (local.get $q) (i32.const 1)))))
                (if (i32.lt_s (local.get $q) (local.get $e))
                  (then
                    (local.set $om (call $d2 (local.get $q)))
                    (if (i32.lt_s (local.get $om) (i32.const 0)) (then (return (f64.const nan))))
                    (local.set $q (i32.add (local.get $q) (i32.const 2)))))
                (if (i32.or (i32.ne (local.get $q) (local.get $e)) (i32.or (i32.gt_s (local.get $oh) (i32.const 18)) (i32.gt_s (local.get $om) (i32.const 59))))
                  (then (return (f64.const nan))))
                (local.set $zoned (i32.const 2))))))))
    ;; Zoned and zone-less timestamps in one file: the general reader says where.
    (if (i32.eqz (global.get $zoneMode))
      (then (global.set $zoneMode (select (i32.const 1) (i32.const 2) (local.get $zoned))))
      (else (if (i32.ne (global.get $zoneMode) (select (i32.const 1) (i32.const 2) (local.get $zoned))) (then (return (f64.const nan))))))
    (local.set $v (f64.add
      (f64.add
        (f64.mul (f64.convert_i32_s (i32.sub (i32.add (call $monthStart (local.get $year) (local.get $month)) (local.get $day)) (i32.const 1))) (f64.const 86400000))
        (f64.convert_i32_s (i32.mul (i32.add (i32.add (i32.mul (local.get $hour) (i32.const 3600)) (i32.mul (local.get $minute) (i32.const 60))) (local.get $second)) (i32.const 1000))))
      (local.get $fraction)))
    (if (i32.eq (local.get $zoned) (i32.const 2))
      (then
        (local.set $offset (f64.convert_i32_s (i32.mul (i32.add (i32.mul (local.get $oh) (i32.const 60)) (local.get $om)) (i32.const 60000))))
        (if (i32.eq (local.get $z) (i32.const 45)) (then (local.set $offset (f64.neg (local.get $offset)))))
        (local.set $v (f64.sub (local.get $v) (local.get $offset)))
        (if (global.get $wall) (then (local.set $v (f64.add (local.get $v) (local.get $offset)))))))
    (local.get $v))

  ;; One event row: 0, or 1 when the general reader must take the file, 2 when the columns are full.
  (func $row (param $cs i32) (param $ce i32) (param $as i32) (param $ae i32) (param $ts i32) (param $te i32) (result i32)
    (local $r i32) (local $id i32) (local $len i32) (local $t f64) (local $b i32) (local $quick i32)
    (if (i32.or (i32.eq (local.get $cs) (local.get $ce)) (i32.eq (local.get $as) (local.get $ae))) (then (return (i32.const 1))))
    (local.set $r (global.get $rows))
    (if (i32.ge_u (local.get $r) (global.get $cap)) (then (return (i32.const 2))))
    ;; Timestamps: a digit first, no space or non-ASCII byte last (parseBytes' own condition; else it trims text).
    (local.set $b (i32.load8_u (i32.sub (local.get $te) (i32.const 1))))
    (if (i32.or (i32.or (i32.eq (local.get $ts) (local.get $te)) (i32.gt_u (i32.sub (i32.load8_u (local.get $ts)) (i32.const 48)) (i32.const 9)))
                (i32.or (i32.le_u (local.get $b) (i32.const 32)) (i32.ge_u (local.get $b) (i32.const 128))))
      (then (return (i32.const 1))))
    (local.set $t (call $timestamp (local.get $ts) (local.get $te)))
    (if (f64.ne (local.get $t) (local.get $t)) (then (return (i32.const 1))))
    (local.set $len (i32.sub (local.get $ce) (local.get $cs)))
    (if (i32.and (i32.eq (local.get $len) (global.get $lastLen)) (call $same (global.get $lastOff) (local.get $cs) (local.get $len)))
      (then
        (local.set $id (global.get $lastCase))
        (if (f64.lt (local.get $t) (global.get $lastT)) (then (global.set $ordered (i32.const 0)))))
      (else
        (local.set $id (call $intern (global.get $caseT) (local.get $cs) (local.get $ce)))
        (if (i32.lt_s (local.get $id) (i32.const 0)) (then (return (i32.const 2))))
        (if (global.get $isNew)
          (then (i32.store (i32.add (global.get $caseFirst) (i32.shl (local.get $id) (i32.const 2))) (local.get $r)))
          (else (global.set $contiguous (i32.const 0))))
        (global.set $lastCase (local.get $id))
        (global.set $lastLen (local.get $len))
        (global.set $lastOff (i32.add (i32.load offset=24 (global.get $caseT))
          (i32.load (i32.add (i32.load offset=16 (global.get $caseT)) (i32.shl (local.get $id) (i32.const 2))))))))
    (i32.store (i32.add (global.get $rowCase) (i32.shl (local.get $r) (i32.const 2))) (local.get $id))
    (global.set $lastT (local.get $t))
    (local.set $len (i32.sub (local.get $ae) (local.get $as)))
    ;; A recent activity by its length and first, middle and last bytes: found with one comparison, no hash.
    (local.set $quick (i32.add (global.get $recent) (i32.shl (i32.shr_u (i32.mul
      (i32.xor (i32.xor (local.get $len) (i32.shl (i32.load8_u (local.get $as)) (i32.const 8)))
               (i32.xor (i32.shl (i32.load8_u (i32.add (local.get $as) (i32.shr_u (local.get $len) (i32.const 1)))) (i32.const 16))
                        (i32.shl (i32.load8_u (i32.sub (local.get $ae) (i32.const 1))) (i32.const 24))))
      (i32.const 0x9e3779b1)) (i32.const 24)) (i32.const 2))))
    (local.set $id (i32.sub (i32.load (local.get $quick)) (i32.const 1)))
    (if (i32.eqz (i32.and (i32.ge_s (local.get $id) (i32.const 0))
          (i32.and (i32.eq (i32.load (i32.add (i32.load offset=20 (global.get $actT)) (i32.shl (local.get $id) (i32.const 2)))) (local.get $len))
            (call $same (i32.add (i32.load offset=24 (global.get $actT)) (i32.load (i32.add (i32.load offset=16 (global.get $actT)) (i32.shl (local.get $id) (i32.const 2)))))
              (local.get $as) (local.get $len)))))
      (then
        (local.set $id (call $intern (global.get $actT) (local.get $as) (local.get $ae)))
        (if (i32.lt_s (local.get $id) (i32.const 0)) (then (return (i32.const 2))))
        (i32.store (local.get $quick) (i32.add (local.get $id) (i32.const 1)))))
    (i32.store (i32.add (global.get $rowAct) (i32.shl (local.get $r) (i32.const 2))) (local.get $id))
    (f64.store (i32.add (global.get $rowTs) (i32.shl (local.get $r) (i32.const 3))) (local.get $t))
    (global.set $rows (i32.add (local.get $r) (i32.const 1)))
    (i32.const 0))

  ;; The lines in [p, end), which ends with a line feed; up to 15 bytes past end are read (and ignored). Returns 0
  ;; when every line was read, 1 when the general reader must take the file (a quote, a lone carriage return, a
  ;; row it would reject or read differently), 2 when the columns or tables are full.
  (func (export "scan") (param $p i32) (param $end i32) (result i32)
    (local $pos i32) (local $m i32) (local $q i32) (local $f i32) (local $fs i32) (local $b i32) (local $next i32) (local $status i32)
    (local $cs i32) (local $ce i32) (local $as i32) (local $ae i32) (local $ts i32) (local $te i32)
    (local $v v128) (local $vd v128) (local $vl v128) (local $vr v128) (local $vq v128)
    (local $delim i32) (local $cc i32) (local $ac i32) (local $tc i32) (local $ml i32) (local $low i32) (local $last i32)
    (local.set $delim (global.get $delim))
    (local.set $cc (global.get $cc))
    (local.set $ac (global.get $ac))
    (local.set $tc (global.get $tc))
    ;; the last field read
    (local.set $last (select (local.get $cc) (local.get $ac) (i32.gt_s (local.get $cc) (local.get $ac))))
    (local.set $last (select (local.get $last) (local.get $tc) (i32.gt_s (local.get $last) (local.get $tc))))
    (local.set $vd (i8x16.splat (local.get $delim)))
    (local.set $vl (i8x16.splat (i32.const 10)))
    (local.set $vr (i8x16.splat (i32.const 13)))
    (local.set $vq (i8x16.splat (i32.const 34)))
    (local.set $pos (local.get $p))
    (local.set $fs (local.get $p))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $pos) (local.get $end)))
        (local.set $v (v128.load (local.get $pos)))
        (local.set $m (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vq))))
        (if (local.get $m)
          (then (if (i32.lt_u (i32.add (local.get $pos) (i32.ctz (local.get $m))) (local.get $end)) (then (return (i32.const 1))))))
        (local.set $ml (i8x16.bitmask (v128.or (i8x16.eq (local.get $v) (local.get $vl)) (i8x16.eq (local.get $v) (local.get $vr)))))
        (local.set $m (i32.or (local.get $ml) (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vd)))))
        (block $blockDone
          (loop $bits
            (br_if $blockDone (i32.eqz (local.get $m)))
            ;; Past the last field to read, the line's other delimiters are only counted: up to its end at once.
            (if (i32.gt_s (local.get $f) (local.get $last))
              (then
                (if (i32.eqz (i32.and (local.get $m) (local.get $ml)))
                  (then
                    (local.set $f (i32.add (local.get $f) (i32.popcnt (local.get $m))))
                    (br $blockDone)))
                (local.set $low (i32.sub (i32.shl (i32.const 1) (i32.ctz (i32.and (local.get $m) (local.get $ml)))) (i32.const 1)))
                (local.set $f (i32.add (local.get $f) (i32.popcnt (i32.and (local.get $m) (local.get $low)))))
                (local.set $m (i32.and (local.get $m) (i32.xor (local.get $low) (i32.const -1))))))
            (local.set $q (i32.add (local.get $pos) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
            ;; the line feed of a CRLF, already taken with its carriage return
            (br_if $bits (i32.lt_u (local.get $q) (local.get $p)))
            (local.set $b (i32.load8_u (local.get $q)))
            (if (i32.eq (local.get $f) (local.get $cc)) (then (local.set $cs (local.get $fs)) (local.set $ce (local.get $q))))
            (if (i32.eq (local.get $f) (local.get $ac)) (then (local.set $as (local.get $fs)) (local.set $ae (local.get $q))))
            (if (i32.eq (local.get $f) (local.get $tc)) (then (local.set $ts (local.get $fs)) (local.set $te (local.get $q))))
            (local.set $f (i32.add (local.get $f) (i32.const 1)))
            (local.set $fs (i32.add (local.get $q) (i32.const 1)))
            (br_if $bits (i32.eq (local.get $b) (local.get $delim)))
            ;; the end of a line
            (local.set $next (i32.add (local.get $q) (i32.const 1)))
            (if (i32.eq (local.get $b) (i32.const 13))
              (then
                (if (i32.ne (i32.load8_u offset=1 (local.get $q)) (i32.const 10)) (then (return (i32.const 1))))
                (local.set $next (i32.add (local.get $q) (i32.const 2)))))
            (if (i32.eqz (i32.and (i32.eq (local.get $f) (i32.const 1)) (i32.eq (local.get $q) (local.get $p))))
              (then
                (if (i32.ne (local.get $f) (global.get $nf)) (then (return (i32.const 1))))
                (local.set $status (call $row (local.get $cs) (local.get $ce) (local.get $as) (local.get $ae) (local.get $ts) (local.get $te)))
                (if (local.get $status) (then (return (local.get $status))))))
            (local.set $p (local.get $next))
            (local.set $fs (local.get $next))
            (local.set $f (i32.const 0))
            (br $bits)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
        (br $blocks)))
    (i32.const 0))
)
