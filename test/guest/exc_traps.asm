; Traps and the remaining faults: #DB from single-stepping (TF, reported
; after the instruction, DR6.BS set), #DB from a MOV DRn with DR7.GD (a
; fault, DR6.BD set), #MF from an unmasked x87 exception with CR0.NE at the
; next waiting x87 instruction, #NP for a not-present code segment on a far
; JMP, #GP for a far CALL to a data segment, #SS(sel) on a far RET to an
; outer ring whose stack is not present.
%include "pm_common.inc"
SEL_NPCODE equ SEL_FREE          ; code, not present
SEL_NPSTK3 equ SEL_FREE+8        ; DPL 3 data, not present
main:
	; Single step: TF set by POPFD traps after the next instruction.
	ON_EXC .db1
	pushfd
	or dword [esp], 0x100
	popfd
.step:	mov eax, 1
.after:	mov al, 1
	jmp fail
.db1:	EXPECT_EXC 1, -1, 2
	mov eax, [LAST_EIP]
	EXPECT BASE+main.after, 3
	mov eax, [LAST_FL]
	and eax, 0x100
	EXPECT 0x100, 4            ; TF in the pushed EFLAGS
	mov eax, dr6
	and eax, 0x4000
	EXPECT 0x4000, 5           ; DR6.BS

	; DR7.GD: the next MOV DRn faults before executing.
	ON_EXC .db2
	mov eax, 0x2000
	mov dr7, eax
.movdr:	mov eax, dr0
	mov al, 6
	jmp fail
.db2:	EXPECT_EXC 1, -1, 7
	mov eax, [LAST_EIP]
	EXPECT BASE+main.movdr, 8
	mov eax, dr6
	and eax, 0x2000
	EXPECT 0x2000, 9           ; DR6.BD
	mov eax, dr7
	and eax, 0x2000
	EXPECT 0, 10               ; GD cleared

	; #MF: unmasked zero divide, reported at the next FP instruction.
	ON_EXC .mf
	mov eax, cr0
	or eax, 0x20               ; NE
	mov cr0, eax
	fninit
	fnstcw [0x7100]
	and word [0x7100], ~4      ; unmask ZE
	fldcw [0x7100]
	fld1
	fldz
	fdivp st1, st0
.wait:	fwait
	mov al, 11
	jmp fail
.mf:	EXPECT_EXC 16, -1, 12
	mov eax, [LAST_EIP]
	EXPECT BASE+main.wait, 13
	fninit

	; Far JMP to a not-present code segment: #NP(sel).
	SET_DESC SEL_NPCODE, 0x00CF1A00, 0x0000FFFF
	ON_EXC .np
	jmp SEL_NPCODE:0
	mov al, 14
	jmp fail
.np:	EXPECT_EXC 11, SEL_NPCODE, 15

	; Far CALL to a data segment: #GP(sel).
	ON_EXC .gp
	call SEL_DATA0:0
	mov al, 16
	jmp fail
.gp:	EXPECT_EXC 13, SEL_DATA0, 17

	; RETF to ring 3 with a not-present stack segment: #SS(sel).
	SET_DESC SEL_NPSTK3, 0x00CF7200, 0x0000FFFF
	ON_EXC .ss
	push dword SEL_NPSTK3 | 3
	push dword STACK3
	push dword SEL_CODE3 | 3
	push dword BASE+main.never
	retf
.never:	mov al, 18
	jmp fail
.ss:	EXPECT_EXC 12, SEL_NPSTK3, 19
	jmp pass
%include "pm_tail.inc"
