; Task switches that change more than registers: a 32-bit task with its own
; LDT (a data segment reached through TI=1) and its own CR3 (PSE paging,
; where linear 0x400000 maps to 0x800000 only in the task's page
; directory), entered and left by JMP; and a 16-bit TSS task entered by
; CALL (NT and back link in the 16-bit TSS) that returns with a 16-bit IRET.
%include "pm_common.inc"
SEL_LDTD  equ SEL_FREE           ; LDT descriptor -> 0x4000
SEL_TSS16 equ SEL_FREE+8         ; 16-bit TSS at 0x3400
LDT       equ 0x4000
TSS16     equ 0x3400
PD1       equ 0x10000
PD2       equ 0x11000

main:
	; Page directories: PD1 identity 0-16 MiB; PD2 the same but 4-8 MiB -> 8-12 MiB.
	xor ecx, ecx
.pd:	mov eax, ecx
	shl eax, 22
	or eax, 0x83
	mov [PD1+ecx*4], eax
	mov [PD2+ecx*4], eax
	inc ecx
	cmp ecx, 4
	jb .pd
	mov dword [PD2+1*4], 0x800000 | 0x83
	mov eax, cr4
	or eax, 0x10
	mov cr4, eax
	mov eax, PD1
	mov cr3, eax
	mov [TSS0+0x1C], eax       ; the CR3 this task gets back
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	mov dword [0x400000], 0
	mov dword [0x800000], 0

	; LDT with entry 1 = data at 0x100000.
	SET_DESC SEL_LDTD, 0x00008200, (LDT << 16) | 0x0F
	mov dword [LDT+8], 0x0000FFFF
	mov dword [LDT+12], 0x00409210
	; TSS1: flat code, DS from the LDT, CR3 = PD2.
	mov dword [TSS1+0x1C], PD2
	mov dword [TSS1+0x20], BASE+task1
	mov dword [TSS1+0x24], 2
	mov dword [TSS1+0x38], 0x60000
	mov dword [TSS1+0x48], SEL_DATA0
	mov dword [TSS1+0x4C], SEL_CODE0
	mov dword [TSS1+0x50], SEL_DATA0
	mov dword [TSS1+0x54], 0x0C          ; LDT entry 1
	mov dword [TSS1+0x58], SEL_DATA0
	mov dword [TSS1+0x5C], SEL_DATA0
	mov dword [TSS1+0x60], SEL_LDTD

	jmp SEL_TSS1:0
	; Back in task 0: CR3 = PD1 again, LDTR null.
	mov eax, cr3
	EXPECT PD1, 1
	mov eax, [0x100000]
	EXPECT 0xA5A5A5A5, 2       ; written through the task's LDT segment
	mov eax, [0x800000]
	EXPECT 0x12345678, 3       ; written through the task's page directory
	mov eax, [0x400000]
	EXPECT 0, 4
	mov eax, [0x7210]
	EXPECT SEL_LDTD, 5
	sldt ax
	movzx eax, ax
	EXPECT 0, 6

	; 16-bit TSS: CALL, then IRET (16-bit) back.
	SET_DESC SEL_TSS16, 0x00008100, (TSS16 << 16) | 0x2B
	mov word [TSS16+0x0E], task16
	mov word [TSS16+0x10], 2
	mov word [TSS16+0x1A], 0x6000
	mov word [TSS16+0x22], SEL_DATA16
	mov word [TSS16+0x24], SEL_CODE16
	mov word [TSS16+0x26], SEL_DATA16
	mov word [TSS16+0x28], SEL_DATA16
	mov word [TSS16+0x2A], 0
	mov ebx, 0x11112222
	call SEL_TSS16:0
	mov eax, ebx
	EXPECT 0x11112222, 7
	movzx eax, word [0x7200]
	and eax, 0x4000
	EXPECT 0x4000, 8           ; NT in the 16-bit task
	movzx eax, word [0x7202]
	EXPECT SEL_TSS0, 9         ; back link
	movzx eax, word [TSS16+0x18]
	EXPECT 0x5555, 10          ; BX saved in the 16-bit TSS
	movzx eax, byte [GDT+SEL_TSS16+5]
	EXPECT 0x81, 11            ; available again
	mov eax, cr0
	and eax, 0x7FFFFFF7        ; paging off, TS clear
	mov cr0, eax
	jmp pass

task1:
	mov dword [0], 0xA5A5A5A5  ; DS = LDT entry: linear 0x100000
	mov dword [ss:0x400000], 0x12345678
	sldt ax
	movzx eax, ax
	mov [ss:0x7210], eax
	jmp SEL_TSS0:0
	jmp task1

	bits 16
task16:
	pushf
	pop ax
	mov [0x7200], ax
	mov ax, [TSS16]
	mov [0x7202], ax
	mov bx, 0x5555
	iret
	jmp task16
	bits 32
%include "pm_tail.inc"
